// The KIP-848 record values as Chronik wrote them before it wrote Kafka's layouts (kept only to read data
// directories from those releases; nothing writes them). Keys were already Kafka's (int16 type, int16-length
// group id and member id), so only values differ. Every value starts with int16 0 (which is also Kafka's value
// version, so the version cannot tell the layouts apart: the offsets log's format marker does, see
// GroupCoordinator.Replay) and then, non-flexible (int16-length strings, int32-length arrays):
//   3 group metadata      int32 group epoch, int64 metadata hash, string assignor, int64 state timestamp
//   5 member metadata     nullable instance id, nullable rack id, string client id, string client host,
//                         [string topic], nullable regex, nullable server assignor, int32 rebalance timeout
//   6 target metadata     int32 assignment epoch
//   7 target member       partitions
//   8 current assignment  int32 member epoch, int32 previous epoch, int8 state, int8 left temporarily,
//                         partitions (assigned), partitions (pending revocation)
// where partitions is [uuid topic id, [int32 partition]].
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Groups;

/// <summary>Reads the consumer group record values of releases before the format marker and rewrites them in Kafka's layouts.</summary>
internal static class LegacyConsumerGroupRecords
{
    /// <summary>The value of a <paramref name="type"/> record in Kafka's layout, from its earlier layout. The assignor and state timestamp of a group record are dropped (Kafka's layout has no field for them).</summary>
    public static byte[] ToKafkaLayout(ConsumerRecordType type, byte[] value)
    {
        var r = new KafkaReader(value);
        if (r.ReadInt16() != 0) KafkaProtocolException.Throw($"unknown version of an earlier consumer group record (type {(short)type})");
        byte[] converted = type switch
        {
            ConsumerRecordType.GroupMetadata => ConsumerGroupRecords.GroupValue(new StoredConsumerGroup(r.ReadInt32(), r.ReadInt64())),
            ConsumerRecordType.MemberMetadata => ConsumerGroupRecords.MemberValue(ReadMember(ref r)),
            ConsumerRecordType.TargetMetadata => ConsumerGroupRecords.TargetMetadataValue(r.ReadInt32()),
            ConsumerRecordType.TargetMember => ConsumerGroupRecords.TargetMemberValue(ReadPartitions(ref r)),
            ConsumerRecordType.CurrentAssignment => ConsumerGroupRecords.CurrentAssignmentValue(ReadCurrentAssignment(ref r)),
            _ => throw new KafkaProtocolException($"record type {(short)type} is not a consumer group record"),
        };
        return converted;
    }

    private static StoredConsumerMember ReadMember(ref KafkaReader r)
    {
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

    private static StoredCurrentAssignment ReadCurrentAssignment(ref KafkaReader r)
    {
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
}
