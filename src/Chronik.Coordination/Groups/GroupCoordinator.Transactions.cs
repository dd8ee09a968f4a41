using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>The hook transactions use: KIP-447 checks for TxnOffsetCommit, and applying a committed transaction's offsets.</summary>
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Kafka's checks for TxnOffsetCommit: a dead group is not available; generation -1 with no member id (clients
    /// before KIP-447) is not checked; otherwise the (static) member must exist and the generation be current.
    /// </summary>
    public ErrorCode ValidateTransactionalCommit(string groupId, int generationId, string memberId, string? groupInstanceId)
    {
        if (string.IsNullOrEmpty(groupId)) return ErrorCode.InvalidGroupId;
        if (!_groups.TryGetValue(groupId, out var g)) return generationId < 0 ? ErrorCode.None : ErrorCode.IllegalGeneration;
        if (g.Is(GroupState.Dead)) return ErrorCode.CoordinatorNotAvailable;
        if (generationId < 0 && string.IsNullOrEmpty(memberId)) return ErrorCode.None;
        if (g.Consumer is { } cg)
        {
            // A consumer (KIP-848) group: the generation is the member epoch.
            var member = cg.Members.GetValueOrDefault(memberId);
            if (member is null) return ErrorCode.UnknownMemberId;
            return generationId == member.MemberEpoch ? ErrorCode.None : ErrorCode.IllegalGeneration;
        }
        if (g.IsStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FencedInstanceId;
        if (g.Get(memberId) is null) return ErrorCode.UnknownMemberId;
        if (generationId != g.GenerationId) return ErrorCode.IllegalGeneration;
        return ErrorCode.None;
    }

    /// <summary>Makes the offsets of a committed transaction visible, creating the group if it does not exist (as Kafka does).</summary>
    public CoordinatorResult<int> CommitTransactionalOffsets(string groupId, IEnumerable<(string Topic, int Partition, long Offset, int LeaderEpoch, string Metadata)> offsets, long nowMs)
    {
        Begin();
        if (!_groups.TryGetValue(groupId, out var g))
        {
            g = new ClassicGroup(groupId, nowMs);
            _groups.Add(groupId, g);
        }
        int count = 0;
        foreach (var (topic, partition, offset, leaderEpoch, metadata) in offsets)
        {
            var committed = new CommittedOffset(offset, leaderEpoch, metadata, nowMs);
            g.Offsets[(topic, partition)] = committed;
            _fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(groupId, topic, partition), GroupRecords.OffsetValue(committed)));
            count++;
        }
        return End(count);
    }
}
