using Chronik.Coordination.Groups;

namespace Chronik.Coordination.ShareGroups;

/// <summary>The partitions of one topic in an assignment (the TopicPartitions of Kafka's share group records).</summary>
public sealed record ShareTopicPartitions(Guid TopicId, IReadOnlyList<int> Partitions)
{
    /// <summary>Groups a set of partitions by topic, both sorted.</summary>
    public static IReadOnlyList<ShareTopicPartitions> From(IEnumerable<TopicIdPartition> partitions) =>
        [.. partitions.GroupBy(p => p.TopicId).OrderBy(g => g.Key).Select(g => new ShareTopicPartitions(g.Key, [.. g.Select(p => p.Partition).Order()]))];

    public static HashSet<TopicIdPartition> ToSet(IEnumerable<ShareTopicPartitions> topics) =>
        [.. topics.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p)))];
}

/// <summary>
/// A share group record for the offsets log, after Kafka's group-coordinator share records
/// (records/group-coordinator/ShareGroup*Key/Value). Plain objects until the records generator emits their
/// codecs. A tombstone deletes the record with the same key.
/// </summary>
public abstract record ShareGroupRecord(string GroupId)
{
    public bool IsTombstone { get; init; }
}

/// <summary>ShareGroupMetadataKey/Value: the group epoch and the metadata hash it was computed with.</summary>
public sealed record ShareGroupEpochRecord(string GroupId, int Epoch, long MetadataHash) : ShareGroupRecord(GroupId);

/// <summary>ShareGroupMemberMetadataKey/Value: who the member is and what it subscribes to.</summary>
public sealed record ShareGroupMemberRecord(string GroupId, string MemberId, string? RackId, string ClientId, string ClientHost,
    IReadOnlyList<string> SubscribedTopicNames) : ShareGroupRecord(GroupId);

/// <summary>ShareGroupTargetAssignmentMetadataKey/Value: the epoch of the target assignment.</summary>
public sealed record ShareGroupTargetEpochRecord(string GroupId, int AssignmentEpoch, long AssignmentTimestampMs) : ShareGroupRecord(GroupId);

/// <summary>ShareGroupTargetAssignmentMemberKey/Value: one member's target partitions.</summary>
public sealed record ShareGroupTargetMemberRecord(string GroupId, string MemberId, IReadOnlyList<ShareTopicPartitions> Partitions) : ShareGroupRecord(GroupId);

/// <summary>ShareGroupCurrentMemberAssignmentKey/Value: the member's epochs and the partitions it has now (state 0: stable).</summary>
public sealed record ShareGroupCurrentAssignmentRecord(string GroupId, string MemberId, int MemberEpoch, int PreviousMemberEpoch, byte State,
    IReadOnlyList<ShareTopicPartitions> AssignedPartitions) : ShareGroupRecord(GroupId);
