using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;
using Chronik.Storage;

namespace Chronik.Broker.Services;

/// <summary>One share partition's start offset as DescribeShareGroupOffsets reports it (-1: the group has no state for it).</summary>
public readonly record struct ShareStartOffset(long StartOffset, int LeaderEpoch, long Lag);

/// <summary>The share group offsets APIs: describe, alter and delete the start offsets (SPSO) of share partitions.</summary>
public sealed partial class ShareGroupService
{
    /// <summary>Whether the group is a share group or has share partition state (membership is not kept across restarts).</summary>
    public bool IsKnownShareGroup(string groupId)
    {
        EnsureLoaded();
        lock (_lock) return _coordinator.HasGroup(groupId) || _partitions.Keys.Any(k => k.GroupId == groupId) || _persisted.Keys.Any(k => k.GroupId == groupId);
    }

    /// <summary>The partitions of <paramref name="topicId"/> the group has state for.</summary>
    public IReadOnlyList<int> PartitionsWithState(string groupId, Guid topicId)
    {
        EnsureLoaded();
        lock (_lock)
        {
            return [.. _partitions.Keys.Concat(_persisted.Keys).Where(k => k.GroupId == groupId && k.TopicId == topicId).Select(k => k.Partition).Distinct().Order()];
        }
    }

    /// <summary>The topics the group has state for.</summary>
    public IReadOnlyList<Guid> TopicsWithState(string groupId)
    {
        EnsureLoaded();
        lock (_lock) return [.. _partitions.Keys.Concat(_persisted.Keys).Where(k => k.GroupId == groupId).Select(k => k.TopicId).Distinct()];
    }

    /// <summary>The start offset of one share partition and its lag (offsets below the high watermark not yet delivered for good).</summary>
    public ShareStartOffset StartOffsetOf(string groupId, TopicIdPartition tp, IPartitionLog log)
    {
        lock (_lock)
        {
            var p = Existing(new SharePartitionKey(groupId, tp.TopicId, tp.Partition));
            if (p is null) return new ShareStartOffset(-1, -1, -1);
            long lag = Math.Max(0, log.HighWatermark - p.StartOffset - p.DeliveryCompleteCount);
            return new ShareStartOffset(p.StartOffset, p.LeaderEpoch, lag);
        }
    }

    /// <summary>Whether the share group has members now (the offsets may only change while it has none).</summary>
    private bool HasMembers(string groupId) => _coordinator.Describe(groupId) is { Members.Count: > 0 };

    /// <summary>
    /// AlterShareGroupOffsets: each partition starts again at its new start offset, with no in-flight records and a new
    /// state epoch. NON_EMPTY_GROUP while the group has members.
    /// </summary>
    public async Task<ErrorCode> AlterStartOffsetsAsync(string groupId, IReadOnlyList<(TopicIdPartition Partition, long StartOffset)> offsets)
    {
        EnsureLoaded();
        Task<bool> persisted;
        lock (_lock)
        {
            if (HasMembers(groupId)) return ErrorCode.NonEmptyGroup;
            var records = new List<ShareStateValue>(offsets.Count);
            var settings = SettingsOf(groupId);
            foreach (var (tp, start) in offsets)
            {
                var key = new SharePartitionKey(groupId, tp.TopicId, tp.Partition);
                var p = Existing(key);
                if (p is null)
                {
                    _partitions[key] = SharePartition.Initialize(key, start, 0, 0, settings.Partition, _time, out var snapshot);
                    records.Add(snapshot);
                }
                else
                {
                    records.Add(p.ResetStartOffset(start));
                }
            }
            persisted = _stateLog.Append(records, NowMs);
        }
        return await persisted.ConfigureAwait(false) ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
    }

    /// <summary>
    /// DeleteShareGroupOffsets: forgets the group's state for the topics, so their partitions start again where
    /// share.auto.offset.reset says. NON_EMPTY_GROUP while the group has members.
    /// </summary>
    public async Task<ErrorCode> DeleteStartOffsetsAsync(string groupId, IReadOnlyCollection<Guid> topicIds)
    {
        EnsureLoaded();
        Task<bool> persisted;
        lock (_lock)
        {
            if (HasMembers(groupId)) return ErrorCode.NonEmptyGroup;
            persisted = ForgetPartitions(k => k.GroupId == groupId && topicIds.Contains(k.TopicId));
        }
        return await persisted.ConfigureAwait(false) ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
    }
}
