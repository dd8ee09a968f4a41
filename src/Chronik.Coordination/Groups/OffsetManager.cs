using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>
/// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, offsets.retention.minutes expiry, and the hook
/// transactions use (KIP-447 checks for TxnOffsetCommit, applying a committed transaction's offsets). The member
/// and epoch checks read the classic or KIP-848 state of the group directly rather than calling either protocol.
/// </summary>
internal sealed class OffsetManager
{
    private readonly GroupTable _table;
    private readonly Dictionary<string, ClassicGroup> _groups;
    private readonly GroupCoordinatorConfig _config;
    private long _nextOffsetExpiryMs = long.MinValue;

    public OffsetManager(GroupTable table)
    {
        _table = table;
        _groups = table.Groups;
        _config = table.Config;
    }

    /// <summary>
    /// Commits offsets after Kafka's checks: a standalone commit (generation &lt; 0) is accepted only while the
    /// group is empty; otherwise the member and generation must be current and the group not between join and
    /// sync. <paramref name="partitionExists"/> answers UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist.
    /// </summary>
    public OffsetCommitResponse CommitOffsets(OffsetCommitRequest r, short apiVersion, Func<string, int, bool> partitionExists, long nowMs)
    {
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
                    _table.Fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, t.Name, p.PartitionIndex), GroupRecords.OffsetValue(committed)));
                    error = ErrorCode.None;
                }
                rt.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
        }
        if (g is not null) _table.RemoveIfUnused(g);
        return response;
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
            g = _table.GetOrCreate(r.GroupId, now);
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
    public OffsetDeleteResponse DeleteOffsets(OffsetDeleteRequest r, Func<string, int, bool> partitionExists)
    {
        var response = new OffsetDeleteResponse();
        if (string.IsNullOrEmpty(r.GroupId))
        {
            response.ErrorCode = (short)ErrorCode.InvalidGroupId;
            return response;
        }
        if (!_groups.TryGetValue(r.GroupId, out var g) || g.Is(GroupState.Dead))
        {
            response.ErrorCode = (short)ErrorCode.GroupIdNotFound;
            return response;
        }
        if (!g.Is(GroupState.Empty) && g.ProtocolType != "consumer")
        {
            response.ErrorCode = (short)ErrorCode.NonEmptyGroup;
            return response;
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
                        _table.Fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, t.Name, p.PartitionIndex), null));
                    }
                    error = ErrorCode.None;
                }
                rt.Partitions.Add(new OffsetDeleteResponse.OffsetDeleteResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
        }
        return response;
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
                _table.Fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, tp.Topic, tp.Partition), null));
            }
            if (empty && g.Offsets.Count == 0 && g.PendingMembers.Count == 0) _table.Remove(g);
        }
    }

    /// <summary>Runs <see cref="ExpireOffsets"/> once every offsets.retention.check.interval.ms.</summary>
    public void MaybeExpireOffsets(long now)
    {
        if (now < _nextOffsetExpiryMs) return;
        _nextOffsetExpiryMs = now + _config.OffsetsRetentionCheckIntervalMs;
        ExpireOffsets(now);
    }

    /// <summary>OffsetCommit checks for a consumer group: member id and member epoch (v9+ carries the epoch in place of the generation).</summary>
    private static ErrorCode ValidateConsumerCommit(ClassicGroup g, string memberId, int epoch, short apiVersion)
    {
        var cg = g.Consumer!;
        if (epoch < 0 && memberId.Length == 0 && cg.Members.Count == 0) return ErrorCode.None;
        var member = cg.Members.GetValueOrDefault(memberId);
        if (member is null) return ErrorCode.UnknownMemberId;
        if (apiVersion < 9) return ErrorCode.UnsupportedVersion;
        if (epoch > member.MemberEpoch) return ErrorCode.FencedMemberEpoch;
        if (epoch < member.MemberEpoch) return ErrorCode.StaleMemberEpoch;
        return ErrorCode.None;
    }

    /// <summary>OffsetFetch v9 checks for a consumer group; None when the request names no member.</summary>
    public ErrorCode ValidateOffsetFetchMember(string groupId, string? memberId, int memberEpoch)
    {
        if (memberId is null || memberEpoch < 0) return ErrorCode.None;
        if (!_groups.TryGetValue(groupId, out var g) || g.Consumer is not { } cg) return ErrorCode.None;
        var member = cg.Members.GetValueOrDefault(memberId);
        if (member is null) return ErrorCode.UnknownMemberId;
        if (memberEpoch != member.MemberEpoch) return ErrorCode.StaleMemberEpoch;
        return ErrorCode.None;
    }

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
    public int CommitTransactionalOffsets(string groupId, IEnumerable<(string Topic, int Partition, long Offset, int LeaderEpoch, string Metadata)> offsets, long nowMs)
    {
        var g = _table.GetOrCreate(groupId, nowMs);
        int count = 0;
        foreach (var (topic, partition, offset, leaderEpoch, metadata) in offsets)
        {
            var committed = new CommittedOffset(offset, leaderEpoch, metadata, nowMs);
            g.Offsets[(topic, partition)] = committed;
            _table.Fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(groupId, topic, partition), GroupRecords.OffsetValue(committed)));
            count++;
        }
        return count;
    }

    /// <summary>Applies one offset commit record read back from the offsets log; a null value deletes.</summary>
    public void Replay(byte[] key, byte[]? value, long nowMs)
    {
        var (groupId, topic, partition) = GroupRecords.ReadOffsetKey(key);
        if (value is null)
        {
            if (_groups.TryGetValue(groupId, out var existing)) existing.Offsets.Remove((topic, partition));
            return;
        }
        var g = _table.GetOrCreate(groupId, nowMs);
        g.Offsets[(topic, partition)] = GroupRecords.ReadOffsetValue(value);
    }

    /// <summary>The live offset records of one group, for compaction by snapshot.</summary>
    public static void AddSnapshot(ClassicGroup g, List<CoordinatorRecord> records)
    {
        foreach (var (tp, o) in g.Offsets)
        {
            records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, tp.Topic, tp.Partition), GroupRecords.OffsetValue(o)));
        }
    }

    /// <summary>The committed offset of one partition (for tests and tools), or null.</summary>
    public CommittedOffset? CommittedOffsetOf(string groupId, string topic, int partition) =>
        _groups.TryGetValue(groupId, out var g) ? g.Offsets.GetValueOrDefault((topic, partition)) : null;
}
