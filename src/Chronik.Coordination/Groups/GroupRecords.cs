// The records of the offsets log (__consumer_offsets), in Kafka's own layouts so Kafka tooling reads them:
//   offset commit   key:   int16 version=1, string group, string topic, int32 partition
//                   value: int16 version=3, int64 offset, int32 leader epoch, string metadata, int64 commit timestamp
//   group metadata  key:   int16 version=2, string group
//                   value: int16 version=3, string protocol type, int32 generation, nullable string protocol,
//                          nullable string leader, int64 state timestamp,
//                          [string member id, nullable string instance id, string client id, string client host,
//                           int32 rebalance timeout, int32 session timeout, bytes subscription, bytes assignment]
// A null value is a tombstone (offset deleted or expired; group deleted). Strings are int16-length, not compact.
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Groups;

/// <summary>A committed offset as stored: offset, leader epoch, metadata and commit time.</summary>
public sealed record CommittedOffset(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs);

/// <summary>A member as stored in a group metadata record.</summary>
public sealed record StoredMember(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost,
    int RebalanceTimeoutMs, int SessionTimeoutMs, byte[] Subscription, byte[] Assignment);

/// <summary>A group as stored in a group metadata record.</summary>
public sealed record StoredGroup(string ProtocolType, int Generation, string? ProtocolName, string? Leader, long StateTimestampMs, IReadOnlyList<StoredMember> Members);

/// <summary>Encodes and decodes offsets-log records.</summary>
public static class GroupRecords
{
    public const short OffsetKeyVersion = 1;
    public const short GroupKeyVersion = 2;

    public static byte[] OffsetKey(string group, string topic, int partition)
    {
        var buf = new byte[2 + Str(group) + Str(topic) + 4];
        var w = new KafkaWriter(buf);
        w.WriteInt16(OffsetKeyVersion);
        w.WriteString(group, false);
        w.WriteString(topic, false);
        w.WriteInt32(partition);
        return buf;
    }

    public static byte[] OffsetValue(CommittedOffset o)
    {
        var buf = new byte[2 + 8 + 4 + Str(o.Metadata) + 8];
        var w = new KafkaWriter(buf);
        w.WriteInt16(3);
        w.WriteInt64(o.Offset);
        w.WriteInt32(o.LeaderEpoch);
        w.WriteString(o.Metadata, false);
        w.WriteInt64(o.CommitTimestampMs);
        return buf;
    }

    public static byte[] GroupKey(string group)
    {
        var buf = new byte[2 + Str(group)];
        var w = new KafkaWriter(buf);
        w.WriteInt16(GroupKeyVersion);
        w.WriteString(group, false);
        return buf;
    }

    public static byte[] GroupValue(StoredGroup g)
    {
        int size = 2 + Str(g.ProtocolType) + 4 + Str(g.ProtocolName) + Str(g.Leader) + 8 + 4;
        foreach (var m in g.Members)
        {
            size += Str(m.MemberId) + Str(m.GroupInstanceId) + Str(m.ClientId) + Str(m.ClientHost) + 4 + 4
                + 4 + m.Subscription.Length + 4 + m.Assignment.Length;
        }
        var buf = new byte[size];
        var w = new KafkaWriter(buf);
        w.WriteInt16(3);
        w.WriteString(g.ProtocolType, false);
        w.WriteInt32(g.Generation);
        w.WriteString(g.ProtocolName, false);
        w.WriteString(g.Leader, false);
        w.WriteInt64(g.StateTimestampMs);
        w.WriteInt32(g.Members.Count);
        foreach (var m in g.Members)
        {
            w.WriteString(m.MemberId, false);
            w.WriteString(m.GroupInstanceId, false);
            w.WriteString(m.ClientId, false);
            w.WriteString(m.ClientHost, false);
            w.WriteInt32(m.RebalanceTimeoutMs);
            w.WriteInt32(m.SessionTimeoutMs);
            w.WriteBytes(m.Subscription, false, false);
            w.WriteBytes(m.Assignment, false, false);
        }
        return buf;
    }

    /// <summary>Which kind of key this is: an offset commit (0 or 1), group metadata (2), or something unknown.</summary>
    public static short KeyVersion(ReadOnlySpan<byte> key) => key.Length >= 2 ? (short)((key[0] << 8) | key[1]) : (short)-1;

    public static (string Group, string Topic, int Partition) ReadOffsetKey(byte[] key)
    {
        var r = new KafkaReader(key);
        r.ReadInt16();
        string group = r.ReadString(false, false)!;
        string topic = r.ReadString(false, false)!;
        return (group, topic, r.ReadInt32());
    }

    public static string ReadGroupKey(byte[] key)
    {
        var r = new KafkaReader(key);
        r.ReadInt16();
        return r.ReadString(false, false)!;
    }

    /// <summary>Reads offset values v0-3 (v1 carries an expire timestamp, ignored; v0-2 have no leader epoch).</summary>
    public static CommittedOffset ReadOffsetValue(byte[] value)
    {
        var r = new KafkaReader(value);
        short v = r.ReadInt16();
        long offset = r.ReadInt64();
        int epoch = v >= 3 ? r.ReadInt32() : -1;
        string metadata = r.ReadString(false, true) ?? "";
        long ts = r.ReadInt64();
        return new CommittedOffset(offset, epoch, metadata, ts);
    }

    /// <summary>Reads group values v0-3.</summary>
    public static StoredGroup ReadGroupValue(byte[] value)
    {
        var r = new KafkaReader(value);
        short v = r.ReadInt16();
        string protocolType = r.ReadString(false, false)!;
        int generation = r.ReadInt32();
        string? protocol = r.ReadString(false, true);
        string? leader = r.ReadString(false, true);
        long stateTs = v >= 2 ? r.ReadInt64() : -1;
        int n = r.ReadInt32();
        var members = new List<StoredMember>(Math.Max(n, 0));
        for (int i = 0; i < n; i++)
        {
            string memberId = r.ReadString(false, false)!;
            string? instance = v >= 3 ? r.ReadString(false, true) : null;
            string clientId = r.ReadString(false, false)!;
            string clientHost = r.ReadString(false, false)!;
            int rebalance = v >= 1 ? r.ReadInt32() : -1;
            int session = r.ReadInt32();
            byte[] sub = r.ReadBytes(false, false)!;
            byte[] assignment = r.ReadBytes(false, false)!;
            members.Add(new StoredMember(memberId, instance, clientId, clientHost, rebalance < 0 ? session : rebalance, session, sub, assignment));
        }
        return new StoredGroup(protocolType, generation, protocol, leader, stateTs, members);
    }

    private static int Str(string? s) => 2 + (s is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(s));
}
