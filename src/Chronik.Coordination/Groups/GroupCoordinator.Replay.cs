namespace Chronik.Coordination.Groups;

/// <summary>Rebuilding state from the offsets log, and writing the live state back out (to compact that log).</summary>
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Applies one record read back from the offsets log; the latest record of a key wins and a null value
    /// deletes. A group with members comes back Stable, its members given a full session timeout from
    /// <paramref name="nowMs"/> to heartbeat again (a static member may rejoin under its instance id).
    /// </summary>
    public void Replay(byte[] key, byte[]? value, long nowMs)
    {
        switch (GroupRecords.KeyVersion(key))
        {
            case 0:
            case 1:
                {
                    var (groupId, topic, partition) = GroupRecords.ReadOffsetKey(key);
                    if (value is null)
                    {
                        if (_groups.TryGetValue(groupId, out var existing)) existing.Offsets.Remove((topic, partition));
                        return;
                    }
                    var g = GetOrCreateForReplay(groupId, nowMs);
                    g.Offsets[(topic, partition)] = GroupRecords.ReadOffsetValue(value);
                    return;
                }
            case GroupRecords.GroupKeyVersion:
                {
                    string groupId = GroupRecords.ReadGroupKey(key);
                    if (value is null)
                    {
                        _groups.Remove(groupId);
                        return;
                    }
                    RestoreGroup(GetOrCreateForReplay(groupId, nowMs), GroupRecords.ReadGroupValue(value), nowMs);
                    return;
                }
            case var t when ConsumerGroupRecords.IsConsumerRecord(t):
                ReplayConsumerRecord(key, value, nowMs);
                return;
        }
    }

    private ClassicGroup GetOrCreateForReplay(string groupId, long nowMs)
    {
        if (!_groups.TryGetValue(groupId, out var g))
        {
            g = new ClassicGroup(groupId, nowMs);
            _groups.Add(groupId, g);
        }
        return g;
    }

    private static void RestoreGroup(ClassicGroup g, StoredGroup s, long nowMs)
    {
        foreach (var id in g.Members.Keys.ToList()) g.Remove(id);
        g.GenerationId = s.Generation;
        g.ProtocolType = s.ProtocolType.Length == 0 && s.Members.Count == 0 ? null : s.ProtocolType;
        g.ProtocolName = s.ProtocolName;
        foreach (var sm in s.Members)
        {
            g.Add(new GroupMember(sm.MemberId, sm.GroupInstanceId, sm.ClientId, sm.ClientHost)
            {
                SessionTimeoutMs = sm.SessionTimeoutMs,
                RebalanceTimeoutMs = sm.RebalanceTimeoutMs,
                ProtocolType = s.ProtocolType,
                Protocols = [(s.ProtocolName ?? "", sm.Subscription)],
                Assignment = sm.Assignment,
                HeartbeatDeadlineMs = nowMs + sm.SessionTimeoutMs,
            });
        }
        g.LeaderId = s.Leader is not null && g.Members.ContainsKey(s.Leader) ? s.Leader : g.Members.Count > 0 ? g.Members.GetAt(0).Key : null;
        g.RestoreState(g.Members.Count > 0 ? GroupState.Stable : GroupState.Empty, s.StateTimestampMs >= 0 ? s.StateTimestampMs : nowMs);
        g.SubscribedTopics = g.ComputeSubscribedTopics();
    }

    /// <summary>
    /// Every live record: a consumer group's records, or one group metadata record per classic group that has had a
    /// generation; one per committed offset.
    /// </summary>
    public List<CoordinatorRecord> SnapshotRecords()
    {
        var records = new List<CoordinatorRecord>();
        foreach (var g in _groups.Values)
        {
            if (g.Consumer is not null) AddConsumerSnapshot(g, records);
            else if (g.GenerationId > 0 || g.ProtocolType is not null) records.Add(GroupMetadataRecord(g));
            foreach (var (tp, o) in g.Offsets)
            {
                records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, tp.Topic, tp.Partition), GroupRecords.OffsetValue(o)));
            }
        }
        return records;
    }

    /// <summary>The committed offset of one partition (for tests and tools), or null.</summary>
    public CommittedOffset? CommittedOffsetOf(string groupId, string topic, int partition) =>
        _groups.TryGetValue(groupId, out var g) ? g.Offsets.GetValueOrDefault((topic, partition)) : null;
}
