namespace Chronik.Coordination.Groups;

/// <summary>
/// Persistence of KIP-848 consumer groups (ConsumerGroupRecords.cs): after each operation the records of the
/// group and of the members it touched are compared with what was last written, and only the changes go to the
/// log (a heartbeat that changes nothing writes nothing). Replay rebuilds members, epochs, target and current
/// assignments; session and revocation timers restart at load, as in Kafka. Tombstoning a whole consumer group
/// is <see cref="GroupTable.WriteConsumerTombstones"/>.
/// </summary>
internal sealed class ConsumerGroupLog
{
    private readonly GroupTable _table;
    private readonly Dictionary<string, ClassicGroup> _groups;
    private readonly GroupCoordinatorConfig _config;

    public ConsumerGroupLog(GroupTable table)
    {
        _table = table;
        _groups = table.Groups;
        _config = table.Config;
    }

    /// <summary>Appends the records of whatever changed in a consumer group since its records were last written.</summary>
    public void WriteChanges(ClassicGroup g)
    {
        if (g.Consumer is not { } cg) return;
        WriteIfChanged(g, cg, ConsumerRecordType.GroupMetadata, "",
            ConsumerGroupRecords.GroupValue(new StoredConsumerGroup(cg.GroupEpoch, cg.SignatureHash)));
        byte[] targetMetadata = ConsumerGroupRecords.TargetMetadataValue(cg.AssignmentEpoch);
        bool targetChanged = !cg.Persisted.TryGetValue((ConsumerRecordType.TargetMetadata, ""), out var oldTarget) || !oldTarget.AsSpan().SequenceEqual(targetMetadata);
        if (targetChanged)
        {
            // A new target assignment may have moved partitions between any members.
            cg.Dirty.UnionWith(cg.Members.Keys);
            foreach (var (type, id) in cg.Persisted.Keys)
            {
                if (type == ConsumerRecordType.TargetMember) cg.Dirty.Add(id);
            }
        }
        foreach (string id in cg.Dirty.Order(StringComparer.Ordinal))
        {
            var m = cg.Members.GetValueOrDefault(id);
            WriteIfChanged(g, cg, ConsumerRecordType.MemberMetadata, id, m is null ? null : ConsumerGroupRecords.MemberValue(m));
            WriteIfChanged(g, cg, ConsumerRecordType.TargetMember, id,
                cg.Target.TryGetValue(id, out var target) ? ConsumerGroupRecords.TargetMemberValue(target) : null);
        }
        WriteIfChanged(g, cg, ConsumerRecordType.TargetMetadata, "", targetMetadata);
        foreach (string id in cg.Dirty.Order(StringComparer.Ordinal))
        {
            var m = cg.Members.GetValueOrDefault(id);
            WriteIfChanged(g, cg, ConsumerRecordType.CurrentAssignment, id, m is null ? null : ConsumerGroupRecords.CurrentAssignmentValue(m));
        }
        cg.Dirty.Clear();
    }

    private void WriteIfChanged(ClassicGroup g, ConsumerGroup cg, ConsumerRecordType type, string memberId, byte[]? value)
    {
        var k = (type, memberId);
        if (value is null)
        {
            if (cg.Persisted.Remove(k)) _table.Fx.Records.Add(new CoordinatorRecord(ConsumerGroupRecords.Key(type, g.GroupId, memberId), null));
            return;
        }
        if (cg.Persisted.TryGetValue(k, out var old) && old.AsSpan().SequenceEqual(value)) return;
        cg.Persisted[k] = value;
        _table.Fx.Records.Add(new CoordinatorRecord(ConsumerGroupRecords.Key(type, g.GroupId, memberId), value));
    }

    /// <summary>The live records of a consumer group, for compaction by snapshot.</summary>
    public static void AddSnapshot(ClassicGroup g, List<CoordinatorRecord> records)
    {
        foreach (var ((type, id), value) in g.Consumer!.Persisted.OrderBy(kv => kv.Key.MemberId.Length != 0).ThenBy(kv => kv.Key.MemberId, StringComparer.Ordinal).ThenBy(kv => kv.Key.Type))
        {
            records.Add(new CoordinatorRecord(ConsumerGroupRecords.Key(type, g.GroupId, id), value));
        }
    }

    /// <summary>Applies one consumer group record read back from the offsets log.</summary>
    public void Replay(byte[] key, byte[]? value, long nowMs)
    {
        var (type, groupId, memberId) = ConsumerGroupRecords.ReadKey(key);
        if (value is null)
        {
            if (!_groups.TryGetValue(groupId, out var existing) || existing.Consumer is not { } ecg) return;
            ecg.Persisted.Remove((type, memberId));
            switch (type)
            {
                case ConsumerRecordType.GroupMetadata:
                    // The group was deleted or became a classic group.
                    existing.Consumer = null;
                    if (existing.Members.Count == 0) existing.ProtocolType = null;
                    _table.RemoveIfUnused(existing);
                    return;
                case ConsumerRecordType.MemberMetadata:
                case ConsumerRecordType.CurrentAssignment:
                    ecg.Members.Remove(memberId);
                    break;
                case ConsumerRecordType.TargetMember:
                    ecg.Target.Remove(memberId);
                    break;
            }
            RestoreConsumerState(existing, existing.StateTimestampMs);
            return;
        }
        var g = _table.GetOrCreate(groupId, nowMs);
        var cg = g.Consumer ??= new ConsumerGroup();
        g.ProtocolType = "consumer";
        g.ProtocolName = null;
        cg.Persisted[(type, memberId)] = value;
        long stateTimestamp = g.StateTimestampMs;
        switch (type)
        {
            case ConsumerRecordType.GroupMetadata:
                {
                    var s = ConsumerGroupRecords.ReadGroupValue(value);
                    cg.GroupEpoch = s.GroupEpoch;
                    cg.SignatureHash = s.MetadataHash;
                    // Kafka's record has no state timestamp: the group's counts from the load (never earlier than
                    // the one it had, so offsets of an empty group do not expire sooner for a restart).
                    stateTimestamp = nowMs;
                    break;
                }
            case ConsumerRecordType.MemberMetadata:
                {
                    var s = ConsumerGroupRecords.ReadMemberValue(value);
                    var m = ReplayedMember(cg, memberId, nowMs);
                    m.InstanceId = s.InstanceId;
                    m.RackId = s.RackId;
                    m.ClientId = s.ClientId;
                    m.ClientHost = s.ClientHost;
                    m.SubscribedTopicNames = s.SubscribedTopicNames;
                    m.SubscribedTopicRegex = s.SubscribedTopicRegex;
                    m.ServerAssignor = s.ServerAssignor;
                    m.RebalanceTimeoutMs = s.RebalanceTimeoutMs;
                    if (m.SubscribedTopicRegex is { Length: > 0 } rx) cg.ResolvedRegexes.Add(rx);
                    RestartRevocationTimer(m, nowMs);
                    break;
                }
            case ConsumerRecordType.TargetMetadata:
                cg.AssignmentEpoch = ConsumerGroupRecords.ReadTargetMetadataValue(value);
                break;
            case ConsumerRecordType.TargetMember:
                cg.Target[memberId] = ConsumerGroupRecords.ReadTargetMemberValue(value);
                break;
            case ConsumerRecordType.CurrentAssignment:
                {
                    var s = ConsumerGroupRecords.ReadCurrentAssignmentValue(value);
                    var m = ReplayedMember(cg, memberId, nowMs);
                    m.MemberEpoch = s.MemberEpoch;
                    m.PreviousMemberEpoch = s.PreviousMemberEpoch;
                    m.State = s.State;
                    m.LeftTemporarily = s.LeftTemporarily;
                    m.Assigned = s.Assigned;
                    m.PendingRevocation = s.PendingRevocation;
                    RestartRevocationTimer(m, nowMs);
                    break;
                }
        }
        RestoreConsumerState(g, stateTimestamp);
    }

    /// <summary>A member being replayed: a restarted broker gives it a full session to heartbeat again.</summary>
    private ConsumerMember ReplayedMember(ConsumerGroup cg, string memberId, long nowMs)
    {
        if (!cg.Members.TryGetValue(memberId, out var m))
        {
            m = new ConsumerMember(memberId) { HeartbeatDeadlineMs = nowMs + _config.ConsumerSessionTimeoutMs };
            cg.Members.Add(memberId, m);
        }
        return m;
    }

    private static void RestartRevocationTimer(ConsumerMember m, long nowMs) =>
        m.RevocationDeadlineMs = m.State == ConsumerMemberState.UnrevokedPartitions ? nowMs + Math.Max(m.RebalanceTimeoutMs, 1) : long.MaxValue;

    /// <summary>
    /// The classic state a replayed group mirrors, and its assignor, which is not stored (Kafka's records have no field
    /// for it): as in Kafka, the one its members ask for.
    /// </summary>
    private static void RestoreConsumerState(ClassicGroup g, long stateTimestampMs)
    {
        var cg = g.Consumer!;
        cg.ForgetAssignor();
        var want = cg.Members.Count == 0 ? GroupState.Empty : GroupState.Stable;
        g.RestoreState(want, stateTimestampMs);
    }
}
