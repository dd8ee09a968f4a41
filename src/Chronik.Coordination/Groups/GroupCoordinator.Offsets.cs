using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete and offsets.retention.minutes expiry.</summary>
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Commits offsets after Kafka's checks: a standalone commit (generation &lt; 0) is accepted only while the
    /// group is empty; otherwise the member and generation must be current and the group not between join and
    /// sync. <paramref name="partitionExists"/> answers UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist.
    /// </summary>
    public CoordinatorResult<OffsetCommitResponse> CommitOffsets(OffsetCommitRequest r, short apiVersion, Func<string, int, bool> partitionExists, long nowMs)
    {
        Begin();
        var groupError = ValidateCommit(r, apiVersion, nowMs, out var g);
        var response = new OffsetCommitResponse();
        foreach (var t in r.Topics)
        {
            var rt = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = t.Name };
            response.Topics.Add(rt);
            foreach (var p in t.Partitions)
            {
                ErrorCode error;
                if (!partitionExists(t.Name, p.PartitionIndex)) error = ErrorCode.UnknownTopicOrPartition;
                else if (groupError != ErrorCode.None) error = groupError;
                else if (p.CommittedMetadata is { } md && System.Text.Encoding.UTF8.GetByteCount(md) > _config.OffsetMetadataMaxBytes) error = ErrorCode.OffsetMetadataTooLarge;
                else
                {
                    var committed = new CommittedOffset(p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata ?? "", nowMs);
                    g!.Offsets[(t.Name, p.PartitionIndex)] = committed;
                    _fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, t.Name, p.PartitionIndex), GroupRecords.OffsetValue(committed)));
                    error = ErrorCode.None;
                }
                rt.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
        }
        if (g is not null) RemoveIfUnused(g);
        return End(response);
    }

    private ErrorCode ValidateCommit(OffsetCommitRequest r, short apiVersion, long now, out ClassicGroup? group)
    {
        group = null;
        if (string.IsNullOrEmpty(r.GroupId)) return ErrorCode.InvalidGroupId;
        int generation = r.GenerationIdOrMemberEpoch;
        if (!_groups.TryGetValue(r.GroupId, out var g))
        {
            // A commit with no generation needs no group management: it creates a simple (protocol-less) group.
            if (generation >= 0) return apiVersion >= 9 ? ErrorCode.GroupIdNotFound : ErrorCode.IllegalGeneration;
            g = new ClassicGroup(r.GroupId, now);
            _groups.Add(r.GroupId, g);
        }
        group = g;
        if (g.Is(GroupState.Dead)) return ErrorCode.CoordinatorNotAvailable;
        if (g.Consumer is not null) return ValidateConsumerCommit(g, r.MemberId, generation, apiVersion);
        if (generation < 0 && g.Is(GroupState.Empty)) return ErrorCode.None;
        if (g.IsStaticMemberFenced(r.GroupInstanceId, r.MemberId)) return ErrorCode.FencedInstanceId;
        var member = g.Get(r.MemberId);
        if (member is null) return ErrorCode.UnknownMemberId;
        if (generation != g.GenerationId) return ErrorCode.IllegalGeneration;
        if (g.Is(GroupState.CompletingRebalance)) return ErrorCode.RebalanceInProgress;
        member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
        return ErrorCode.None;
    }

    /// <summary>
    /// The committed offsets of one group, in the v8+ (batched) shape: the listed partitions, or every committed
    /// partition when <paramref name="topics"/> is null. Unknown groups and uncommitted partitions answer -1.
    /// </summary>
    public OffsetFetchResponse.OffsetFetchResponseGroup FetchOffsets(string groupId, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? topics)
    {
        var result = new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId };
        _groups.TryGetValue(groupId, out var g);
        if (topics is null)
        {
            if (g is null) return result;
            foreach (var byTopic in g.Offsets.GroupBy(kv => kv.Key.Topic).OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                var rt = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = byTopic.Key };
                foreach (var (tp, o) in byTopic.OrderBy(kv => kv.Key.Partition)) rt.Partitions.Add(Fetched(tp.Partition, o));
                result.Topics.Add(rt);
            }
            return result;
        }
        foreach (var (topic, partitions) in topics)
        {
            var rt = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = topic };
            foreach (int p in partitions) rt.Partitions.Add(Fetched(p, g?.Offsets.GetValueOrDefault((topic, p))));
            result.Topics.Add(rt);
        }
        return result;
    }

    private static OffsetFetchResponse.OffsetFetchResponsePartitions Fetched(int partition, CommittedOffset? o) => new()
    {
        PartitionIndex = partition,
        CommittedOffset = o?.Offset ?? -1,
        CommittedLeaderEpoch = o?.LeaderEpoch ?? -1,
        Metadata = o?.Metadata ?? "",
    };

    /// <summary>
    /// OffsetDelete: removes committed offsets of an empty group, or of a consumer group for topics none of
    /// its members subscribes to (GROUP_SUBSCRIBED_TO_TOPIC for the others).
    /// </summary>
    public CoordinatorResult<OffsetDeleteResponse> DeleteOffsets(OffsetDeleteRequest r, Func<string, int, bool> partitionExists)
    {
        Begin();
        var response = new OffsetDeleteResponse();
        if (string.IsNullOrEmpty(r.GroupId))
        {
            response.ErrorCode = (short)ErrorCode.InvalidGroupId;
            return End(response);
        }
        if (!_groups.TryGetValue(r.GroupId, out var g) || g.Is(GroupState.Dead))
        {
            response.ErrorCode = (short)ErrorCode.GroupIdNotFound;
            return End(response);
        }
        if (!g.Is(GroupState.Empty) && g.ProtocolType != "consumer")
        {
            response.ErrorCode = (short)ErrorCode.NonEmptyGroup;
            return End(response);
        }
        foreach (var t in r.Topics)
        {
            var rt = new OffsetDeleteResponse.OffsetDeleteResponseTopic { Name = t.Name };
            response.Topics.Add(rt);
            bool subscribed = !g.Is(GroupState.Empty) && (g.SubscribedTopics?.Contains(t.Name) ?? true);
            foreach (var p in t.Partitions)
            {
                ErrorCode error;
                if (!partitionExists(t.Name, p.PartitionIndex)) error = ErrorCode.UnknownTopicOrPartition;
                else if (subscribed) error = ErrorCode.GroupSubscribedToTopic;
                else
                {
                    if (g.Offsets.Remove((t.Name, p.PartitionIndex)))
                    {
                        _fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, t.Name, p.PartitionIndex), null));
                    }
                    error = ErrorCode.None;
                }
                rt.Partitions.Add(new OffsetDeleteResponse.OffsetDeleteResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
        }
        return End(response);
    }

    /// <summary>
    /// offsets.retention.minutes: an empty group's offsets expire that long after the later of their commit and
    /// the group becoming empty; a stable consumer group's offsets for topics it no longer subscribes to expire
    /// that long after their commit. An empty group left without offsets is deleted.
    /// </summary>
    private void ExpireOffsets(long now)
    {
        long retention = _config.OffsetsRetentionMs;
        foreach (var g in _groups.Values.ToList())
        {
            bool empty = g.Is(GroupState.Empty);
            bool stableConsumer = g.Is(GroupState.Stable) && g.ProtocolType == "consumer" && g.SubscribedTopics is not null;
            if (!empty && !stableConsumer) continue;
            foreach (var (tp, o) in g.Offsets.ToList())
            {
                bool expire = empty
                    ? now - Math.Max(o.CommitTimestampMs, g.ProtocolType is null ? o.CommitTimestampMs : g.StateTimestampMs) >= retention
                    : !g.SubscribedTopics!.Contains(tp.Topic) && now - o.CommitTimestampMs >= retention;
                if (!expire) continue;
                g.Offsets.Remove(tp);
                _fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, tp.Topic, tp.Partition), null));
            }
            if (empty && g.Offsets.Count == 0 && g.PendingMembers.Count == 0) RemoveGroup(g);
        }
    }
}
