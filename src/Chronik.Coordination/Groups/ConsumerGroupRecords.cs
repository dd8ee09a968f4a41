// The KIP-848 consumer group records of the offsets log, in Kafka's own layouts: the generated codecs of
// records/group-coordinator (ConsumerGroupMetadata 3, ConsumerGroupMemberMetadata 5,
// ConsumerGroupTargetAssignmentMetadata 6, ConsumerGroupTargetAssignmentMember 7,
// ConsumerGroupCurrentMemberAssignment 8), framed by CoordinatorRecordCodec: key = int16 record type + key fields
// (v0), value = int16 version (0) + value fields (flexible). A null value is a tombstone. What Chronik keeps that
// Kafka's schemas have no field for:
//   - a static member that left temporarily is stored as Kafka stores it, member epoch -2; the epoch it held
//     (which the instance that takes it over resumes from) goes in PreviousMemberEpoch;
//   - the group's assignor is not stored: like Kafka, it follows from the members' server assignors;
//   - the group's state timestamp is not stored: after a restart it counts from the load;
//   - MetadataHash holds Chronik's hash of the target assignment's inputs (Kafka's is of the subscribed topics:
//     both only need to change when a new target is due).
// Optional fields Chronik does not track are left out as Kafka leaves them out when unset (ClassicMemberMetadata,
// AssignmentEpochs, AssignmentTimestamp). Records written by releases before the format marker are read by
// LegacyConsumerGroupRecords.
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.GroupCoordinator;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Groups;

/// <summary>Which KIP-848 record a key holds (Kafka's coordinator record types).</summary>
internal enum ConsumerRecordType : short
{
    GroupMetadata = GroupCoordinatorRecordTypes.ConsumerGroupMetadata,
    MemberMetadata = GroupCoordinatorRecordTypes.ConsumerGroupMemberMetadata,
    TargetMetadata = GroupCoordinatorRecordTypes.ConsumerGroupTargetAssignmentMetadata,
    TargetMember = GroupCoordinatorRecordTypes.ConsumerGroupTargetAssignmentMember,
    CurrentAssignment = GroupCoordinatorRecordTypes.ConsumerGroupCurrentMemberAssignment,
}

/// <summary>A consumer group's epoch and the hash of what its target assignment was computed from, as stored.</summary>
internal sealed record StoredConsumerGroup(int GroupEpoch, long MetadataHash);

/// <summary>A member's subscription and identity, as stored.</summary>
internal sealed record StoredConsumerMember(string? InstanceId, string? RackId, string ClientId, string ClientHost,
    List<string> SubscribedTopicNames, string? SubscribedTopicRegex, string? ServerAssignor, int RebalanceTimeoutMs);

/// <summary>A member's current assignment and epochs, as stored.</summary>
internal sealed record StoredCurrentAssignment(int MemberEpoch, int PreviousMemberEpoch, ConsumerMemberState State, bool LeftTemporarily,
    HashSet<TopicIdPartition> Assigned, HashSet<TopicIdPartition> PendingRevocation);

/// <summary>Encodes and decodes the KIP-848 consumer group records (Kafka's layouts, through the generated codecs).</summary>
internal static class ConsumerGroupRecords
{
    /// <summary>Kafka's LEAVE_GROUP_STATIC_MEMBER_EPOCH: the member epoch stored for a static member that left temporarily.</summary>
    public const int LeftTemporarilyEpoch = -2;

    private const short ValueVersion = 0;

    public static bool IsConsumerRecord(short keyType) => keyType is 3 or 5 or 6 or 7 or 8;

    public static bool IsMemberRecord(ConsumerRecordType t) => t is ConsumerRecordType.MemberMetadata or ConsumerRecordType.TargetMember or ConsumerRecordType.CurrentAssignment;

    /// <summary>The key of a record: the group's for group-level types, the member's for member-level ones.</summary>
    public static byte[] Key(ConsumerRecordType type, string group, string memberId)
    {
        IKafkaMessage key = type switch
        {
            ConsumerRecordType.GroupMetadata => new ConsumerGroupMetadataKey { GroupId = group },
            ConsumerRecordType.TargetMetadata => new ConsumerGroupTargetAssignmentMetadataKey { GroupId = group },
            ConsumerRecordType.MemberMetadata => new ConsumerGroupMemberMetadataKey { GroupId = group, MemberId = memberId },
            ConsumerRecordType.TargetMember => new ConsumerGroupTargetAssignmentMemberKey { GroupId = group, MemberId = memberId },
            ConsumerRecordType.CurrentAssignment => new ConsumerGroupCurrentMemberAssignmentKey { GroupId = group, MemberId = memberId },
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a consumer group record type"),
        };
        return CoordinatorRecordCodec.Key((short)type, key);
    }

    public static (ConsumerRecordType Type, string Group, string MemberId) ReadKey(byte[] key)
    {
        var type = (ConsumerRecordType)CoordinatorRecordCodec.Type(key);
        return type switch
        {
            ConsumerRecordType.GroupMetadata => (type, CoordinatorRecordCodec.ReadKey(new ConsumerGroupMetadataKey(), key).GroupId, ""),
            ConsumerRecordType.TargetMetadata => (type, CoordinatorRecordCodec.ReadKey(new ConsumerGroupTargetAssignmentMetadataKey(), key).GroupId, ""),
            ConsumerRecordType.MemberMetadata => Member(type, CoordinatorRecordCodec.ReadKey(new ConsumerGroupMemberMetadataKey(), key)),
            ConsumerRecordType.TargetMember => Member(type, CoordinatorRecordCodec.ReadKey(new ConsumerGroupTargetAssignmentMemberKey(), key)),
            ConsumerRecordType.CurrentAssignment => Member(type, CoordinatorRecordCodec.ReadKey(new ConsumerGroupCurrentMemberAssignmentKey(), key)),
            _ => throw new KafkaProtocolException($"record type {(short)type} is not a consumer group record"),
        };
    }

    // The three member keys are distinct generated classes with the same two fields.
    private static (ConsumerRecordType, string, string) Member(ConsumerRecordType type, ConsumerGroupMemberMetadataKey k) => (type, k.GroupId, k.MemberId);

    private static (ConsumerRecordType, string, string) Member(ConsumerRecordType type, ConsumerGroupTargetAssignmentMemberKey k) => (type, k.GroupId, k.MemberId);

    private static (ConsumerRecordType, string, string) Member(ConsumerRecordType type, ConsumerGroupCurrentMemberAssignmentKey k) => (type, k.GroupId, k.MemberId);

    public static byte[] GroupValue(StoredConsumerGroup g) =>
        CoordinatorRecordCodec.Value(new ConsumerGroupMetadataValue { Epoch = g.GroupEpoch, MetadataHash = g.MetadataHash }, ValueVersion);

    public static StoredConsumerGroup ReadGroupValue(byte[] value)
    {
        var v = CoordinatorRecordCodec.ReadValue(new ConsumerGroupMetadataValue(), value, out _);
        return new StoredConsumerGroup(v.Epoch, v.MetadataHash);
    }

    public static byte[] MemberValue(ConsumerMember m) =>
        MemberValue(new StoredConsumerMember(m.InstanceId, m.RackId, m.ClientId, m.ClientHost, m.SubscribedTopicNames,
            m.SubscribedTopicRegex, m.ServerAssignor, m.RebalanceTimeoutMs));

    public static byte[] MemberValue(StoredConsumerMember m) =>
        CoordinatorRecordCodec.Value(new ConsumerGroupMemberMetadataValue
        {
            InstanceId = m.InstanceId,
            RackId = m.RackId,
            ClientId = m.ClientId,
            ClientHost = m.ClientHost,
            SubscribedTopicNames = m.SubscribedTopicNames,
            SubscribedTopicRegex = m.SubscribedTopicRegex,
            RebalanceTimeoutMs = m.RebalanceTimeoutMs,
            ServerAssignor = m.ServerAssignor,
        }, ValueVersion);

    public static StoredConsumerMember ReadMemberValue(byte[] value)
    {
        var v = CoordinatorRecordCodec.ReadValue(new ConsumerGroupMemberMetadataValue(), value, out _);
        return new StoredConsumerMember(v.InstanceId, v.RackId, v.ClientId, v.ClientHost, v.SubscribedTopicNames,
            v.SubscribedTopicRegex, v.ServerAssignor, v.RebalanceTimeoutMs);
    }

    public static byte[] TargetMetadataValue(int assignmentEpoch) =>
        CoordinatorRecordCodec.Value(new ConsumerGroupTargetAssignmentMetadataValue { AssignmentEpoch = assignmentEpoch }, ValueVersion);

    public static int ReadTargetMetadataValue(byte[] value) =>
        CoordinatorRecordCodec.ReadValue(new ConsumerGroupTargetAssignmentMetadataValue(), value, out _).AssignmentEpoch;

    public static byte[] TargetMemberValue(HashSet<TopicIdPartition> partitions)
    {
        var v = new ConsumerGroupTargetAssignmentMemberValue();
        foreach (var (topicId, parts) in ByTopic(partitions)) v.TopicPartitions.Add(new() { TopicId = topicId, Partitions = parts });
        return CoordinatorRecordCodec.Value(v, ValueVersion);
    }

    public static HashSet<TopicIdPartition> ReadTargetMemberValue(byte[] value)
    {
        var v = CoordinatorRecordCodec.ReadValue(new ConsumerGroupTargetAssignmentMemberValue(), value, out _);
        var set = new HashSet<TopicIdPartition>();
        foreach (var t in v.TopicPartitions)
        {
            foreach (int p in t.Partitions) set.Add(new TopicIdPartition(t.TopicId, p));
        }
        return set;
    }

    public static byte[] CurrentAssignmentValue(ConsumerMember m) =>
        CurrentAssignmentValue(new StoredCurrentAssignment(m.MemberEpoch, m.PreviousMemberEpoch, m.State, m.LeftTemporarily, m.Assigned, m.PendingRevocation));

    public static byte[] CurrentAssignmentValue(StoredCurrentAssignment a) =>
        CoordinatorRecordCodec.Value(new ConsumerGroupCurrentMemberAssignmentValue
        {
            MemberEpoch = a.LeftTemporarily ? LeftTemporarilyEpoch : a.MemberEpoch,
            PreviousMemberEpoch = a.LeftTemporarily ? a.MemberEpoch : a.PreviousMemberEpoch,
            State = (sbyte)a.State,
            AssignedPartitions = Topics(a.Assigned),
            PartitionsPendingRevocation = Topics(a.PendingRevocation),
        }, ValueVersion);

    public static StoredCurrentAssignment ReadCurrentAssignmentValue(byte[] value)
    {
        var v = CoordinatorRecordCodec.ReadValue(new ConsumerGroupCurrentMemberAssignmentValue(), value, out _);
        bool left = v.MemberEpoch == LeftTemporarilyEpoch;
        // Kafka's MemberState bytes are Chronik's enum values (0 stable, 1 unrevoked, 2 unreleased); an unknown one
        // (Kafka's 127) is read as unreleased partitions, which reconciles again on the member's next heartbeat.
        var state = v.State is >= 0 and <= 2 ? (ConsumerMemberState)v.State : ConsumerMemberState.UnreleasedPartitions;
        return new StoredCurrentAssignment(left ? v.PreviousMemberEpoch : v.MemberEpoch, v.PreviousMemberEpoch, state, left,
            Set(v.AssignedPartitions), Set(v.PartitionsPendingRevocation));
    }

    /// <summary>Partitions grouped by topic, topics and partitions in order, so equal sets encode to equal bytes.</summary>
    private static IEnumerable<(Guid TopicId, List<int> Partitions)> ByTopic(HashSet<TopicIdPartition> set) =>
        set.GroupBy(tp => tp.TopicId).OrderBy(t => t.Key).Select(t => (t.Key, t.Select(tp => tp.Partition).Order().ToList()));

    private static List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> Topics(HashSet<TopicIdPartition> set) =>
        [.. ByTopic(set).Select(t => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = t.TopicId, Partitions = t.Partitions })];

    private static HashSet<TopicIdPartition> Set(List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> topics)
    {
        var set = new HashSet<TopicIdPartition>();
        foreach (var t in topics)
        {
            foreach (int p in t.Partitions) set.Add(new TopicIdPartition(t.TopicId, p));
        }
        return set;
    }
}
