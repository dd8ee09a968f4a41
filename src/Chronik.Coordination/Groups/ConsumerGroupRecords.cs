// The KIP-848 consumer group records of the offsets log, keyed like Kafka's coordinator records (the key's
// leading int16 is the record type, so compaction keeps the latest record of each group or member):
//   3 group metadata          key: group                value: int16 v0, int32 group epoch, int64 metadata hash,
//                                                              string assignor, int64 state timestamp
//   5 member metadata         key: group, member id     value: int16 v0, nullable instance id, nullable rack id,
//                                                              string client id, string client host, [string topic],
//                                                              nullable regex, nullable server assignor, int32 rebalance timeout
//   6 target metadata         key: group                value: int16 v0, int32 assignment epoch
//   7 target member           key: group, member id     value: int16 v0, partitions
//   8 current assignment      key: group, member id     value: int16 v0, int32 member epoch, int32 previous epoch,
//                                                              int8 state, bool left temporarily, partitions (assigned),
//                                                              partitions (pending revocation)
// where partitions is [uuid topic id, [int32 partition]] sorted by topic id and partition. Layouts follow
// Kafka's ConsumerGroup*Key/Value schemas in spirit, not byte for byte. A null value is a tombstone.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Groups;

/// <summary>Which KIP-848 record a key holds (Kafka's coordinator record types).</summary>
internal enum ConsumerRecordType : short
{
    GroupMetadata = 3,
    MemberMetadata = 5,
    TargetMetadata = 6,
    TargetMember = 7,
    CurrentAssignment = 8,
}

/// <summary>A consumer group's epoch and what its target assignment was computed from, as stored.</summary>
internal sealed record StoredConsumerGroup(int GroupEpoch, long MetadataHash, string Assignor, long StateTimestampMs);

/// <summary>A member's subscription and identity, as stored.</summary>
internal sealed record StoredConsumerMember(string? InstanceId, string? RackId, string ClientId, string ClientHost,
    List<string> SubscribedTopicNames, string? SubscribedTopicRegex, string? ServerAssignor, int RebalanceTimeoutMs);

/// <summary>A member's current assignment and epochs, as stored.</summary>
internal sealed record StoredCurrentAssignment(int MemberEpoch, int PreviousMemberEpoch, ConsumerMemberState State, bool LeftTemporarily,
    HashSet<TopicIdPartition> Assigned, HashSet<TopicIdPartition> PendingRevocation);

/// <summary>Encodes and decodes the KIP-848 consumer group records.</summary>
internal static class ConsumerGroupRecords
{
    public static bool IsConsumerRecord(short keyType) => keyType is 3 or 5 or 6 or 7 or 8;

    public static bool IsMemberRecord(ConsumerRecordType t) => t is ConsumerRecordType.MemberMetadata or ConsumerRecordType.TargetMember or ConsumerRecordType.CurrentAssignment;

    /// <summary>The key of a record: the group's for group-level types, the member's for member-level ones.</summary>
    public static byte[] Key(ConsumerRecordType type, string group, string memberId)
    {
        var w = new Builder();
        w.Int16((short)type);
        w.String(group);
        if (IsMemberRecord(type)) w.String(memberId);
        return w.ToArray();
    }

    public static (ConsumerRecordType Type, string Group, string MemberId) ReadKey(byte[] key)
    {
        var r = new KafkaReader(key);
        var type = (ConsumerRecordType)r.ReadInt16();
        string group = r.ReadString(false, false)!;
        string member = IsMemberRecord(type) ? r.ReadString(false, false)! : "";
        return (type, group, member);
    }

    public static byte[] GroupValue(StoredConsumerGroup g)
    {
        var w = new Builder();
        w.Int16(0);
        w.Int32(g.GroupEpoch);
        w.Int64(g.MetadataHash);
        w.String(g.Assignor);
        w.Int64(g.StateTimestampMs);
        return w.ToArray();
    }

    public static StoredConsumerGroup ReadGroupValue(byte[] value)
    {
        var r = new KafkaReader(value);
        r.ReadInt16();
        return new StoredConsumerGroup(r.ReadInt32(), r.ReadInt64(), r.ReadString(false, false)!, r.ReadInt64());
    }

    public static byte[] MemberValue(ConsumerMember m)
    {
        var w = new Builder();
        w.Int16(0);
        w.String(m.InstanceId);
        w.String(m.RackId);
        w.String(m.ClientId);
        w.String(m.ClientHost);
        w.Int32(m.SubscribedTopicNames.Count);
        foreach (var t in m.SubscribedTopicNames) w.String(t);
        w.String(m.SubscribedTopicRegex);
        w.String(m.ServerAssignor);
        w.Int32(m.RebalanceTimeoutMs);
        return w.ToArray();
    }

    public static StoredConsumerMember ReadMemberValue(byte[] value)
    {
        var r = new KafkaReader(value);
        r.ReadInt16();
        string? instance = r.ReadString(false, true);
        string? rack = r.ReadString(false, true);
        string clientId = r.ReadString(false, false)!;
        string clientHost = r.ReadString(false, false)!;
        int n = r.ReadInt32();
        var topics = new List<string>(Math.Max(n, 0));
        for (int i = 0; i < n; i++) topics.Add(r.ReadString(false, false)!);
        string? regex = r.ReadString(false, true);
        string? assignor = r.ReadString(false, true);
        return new StoredConsumerMember(instance, rack, clientId, clientHost, topics, regex, assignor, r.ReadInt32());
    }

    public static byte[] TargetMetadataValue(int assignmentEpoch)
    {
        var w = new Builder();
        w.Int16(0);
        w.Int32(assignmentEpoch);
        return w.ToArray();
    }

    public static int ReadTargetMetadataValue(byte[] value)
    {
        var r = new KafkaReader(value);
        r.ReadInt16();
        return r.ReadInt32();
    }

    public static byte[] TargetMemberValue(HashSet<TopicIdPartition> partitions)
    {
        var w = new Builder();
        w.Int16(0);
        w.Partitions(partitions);
        return w.ToArray();
    }

    public static HashSet<TopicIdPartition> ReadTargetMemberValue(byte[] value)
    {
        var r = new KafkaReader(value);
        r.ReadInt16();
        return ReadPartitions(ref r);
    }

    public static byte[] CurrentAssignmentValue(ConsumerMember m)
    {
        var w = new Builder();
        w.Int16(0);
        w.Int32(m.MemberEpoch);
        w.Int32(m.PreviousMemberEpoch);
        w.Int8((sbyte)m.State);
        w.Int8(m.LeftTemporarily ? (sbyte)1 : (sbyte)0);
        w.Partitions(m.Assigned);
        w.Partitions(m.PendingRevocation);
        return w.ToArray();
    }

    public static StoredCurrentAssignment ReadCurrentAssignmentValue(byte[] value)
    {
        var r = new KafkaReader(value);
        r.ReadInt16();
        int epoch = r.ReadInt32();
        int previous = r.ReadInt32();
        var state = (ConsumerMemberState)r.ReadInt8();
        bool left = r.ReadInt8() != 0;
        var assigned = ReadPartitions(ref r);
        return new StoredCurrentAssignment(epoch, previous, state, left, assigned, ReadPartitions(ref r));
    }

    private static HashSet<TopicIdPartition> ReadPartitions(ref KafkaReader r)
    {
        var set = new HashSet<TopicIdPartition>();
        int topics = r.ReadInt32();
        for (int i = 0; i < topics; i++)
        {
            var id = r.ReadUuid();
            int n = r.ReadInt32();
            for (int j = 0; j < n; j++) set.Add(new TopicIdPartition(id, r.ReadInt32()));
        }
        return set;
    }

    /// <summary>A growable big-endian writer (these records are small and written only when a group changes).</summary>
    private sealed class Builder
    {
        private readonly ArrayBufferWriter<byte> _buf = new(64);

        public byte[] ToArray() => _buf.WrittenSpan.ToArray();

        public void Int8(sbyte v)
        {
            _buf.GetSpan(1)[0] = (byte)v;
            _buf.Advance(1);
        }

        public void Int16(short v)
        {
            BinaryPrimitives.WriteInt16BigEndian(_buf.GetSpan(2), v);
            _buf.Advance(2);
        }

        public void Int32(int v)
        {
            BinaryPrimitives.WriteInt32BigEndian(_buf.GetSpan(4), v);
            _buf.Advance(4);
        }

        public void Int64(long v)
        {
            BinaryPrimitives.WriteInt64BigEndian(_buf.GetSpan(8), v);
            _buf.Advance(8);
        }

        /// <summary>An int16-length string; length -1 for null.</summary>
        public void String(string? s)
        {
            if (s is null)
            {
                Int16(-1);
                return;
            }
            int n = Encoding.UTF8.GetByteCount(s);
            Int16((short)n);
            Encoding.UTF8.GetBytes(s, _buf.GetSpan(n));
            _buf.Advance(n);
        }

        public void Partitions(HashSet<TopicIdPartition> set)
        {
            var byTopic = set.GroupBy(tp => tp.TopicId).OrderBy(x => x.Key).ToList();
            Int32(byTopic.Count);
            foreach (var t in byTopic)
            {
                t.Key.TryWriteBytes(_buf.GetSpan(16), bigEndian: true, out _);
                _buf.Advance(16);
                var parts = t.Select(tp => tp.Partition).Order().ToList();
                Int32(parts.Count);
                foreach (int p in parts) Int32(p);
            }
        }
    }
}
