namespace Chronik.Coordination.Groups;

/// <summary>
/// What the parts of the <see cref="GroupCoordinator"/> share: the one table of groups (classic and KIP-848
/// groups live in it side by side, a KIP-848 group being a <see cref="ClassicGroup"/> with a
/// <see cref="ClassicGroup.Consumer"/> part), the config, the member id source and the side effects of the
/// operation in progress. Everything that creates or forgets a whole group is here too, because every part
/// needs it: offset commits and replay create groups; a failed join, a commit and a replayed tombstone drop a
/// group that holds nothing; deletion and offset expiry delete a group with all it persisted.
/// </summary>
internal sealed class GroupTable
{
    public GroupTable(GroupCoordinatorConfig config, Func<Guid> newGuid)
    {
        Config = config;
        NewGuid = newGuid;
    }

    public GroupCoordinatorConfig Config { get; }
    public Func<Guid> NewGuid { get; }
    public Dictionary<string, ClassicGroup> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>The records and completions of the operation in progress (between <see cref="Begin"/> and <see cref="End"/>).</summary>
    public CoordinatorEffects Fx { get; private set; } = new();

    public void Begin() => Fx = new CoordinatorEffects();

    public CoordinatorResult<T> End<T>(T response)
    {
        var fx = Fx;
        Fx = new CoordinatorEffects();
        return new CoordinatorResult<T>(response, fx.Records, fx.Completions);
    }

    public ClassicGroup GetOrCreate(string groupId, long nowMs)
    {
        if (!Groups.TryGetValue(groupId, out var g))
        {
            g = new ClassicGroup(groupId, nowMs);
            Groups.Add(groupId, g);
        }
        return g;
    }

    /// <summary>Forgets a group that holds nothing worth keeping (created by a failed join).</summary>
    public void RemoveIfUnused(ClassicGroup g)
    {
        if (g.Is(GroupState.Empty) && g.Members.Count == 0 && g.PendingMembers.Count == 0 && g.Offsets.Count == 0 && g.GenerationId == 0 && g.Consumer is null)
        {
            Groups.Remove(g.GroupId);
        }
    }

    /// <summary>Deletes a group with its offsets (tombstones for every offset, the consumer group records and the group).</summary>
    public void Remove(ClassicGroup g)
    {
        foreach (var (tp, _) in g.Offsets) Fx.Records.Add(new CoordinatorRecord(GroupRecords.OffsetKey(g.GroupId, tp.Topic, tp.Partition), null));
        g.Offsets.Clear();
        foreach (var id in g.PendingMembers.Keys.ToList()) g.PendingMembers.Remove(id);
        WriteConsumerTombstones(g);
        Fx.Records.Add(new CoordinatorRecord(GroupRecords.GroupKey(g.GroupId), null));
        g.TransitionTo(GroupState.Dead, 0);
        Groups.Remove(g.GroupId);
    }

    /// <summary>
    /// Tombstones every record of a consumer group (deleted, or turned into a classic group by a join). It lives
    /// here rather than in <see cref="ConsumerGroupLog"/> so that deletion and the classic protocol need no consumer part.
    /// </summary>
    public void WriteConsumerTombstones(ClassicGroup g)
    {
        if (g.Consumer is not { } cg) return;
        // Members' records first and the group's last, as Kafka orders its tombstones.
        foreach (var (type, id) in cg.Persisted.Keys.OrderBy(k => k.MemberId.Length == 0).ThenBy(k => k.MemberId, StringComparer.Ordinal).ThenBy(k => k.Type))
        {
            Fx.Records.Add(new CoordinatorRecord(ConsumerGroupRecords.Key(type, g.GroupId, id), null));
        }
        cg.Persisted.Clear();
        cg.Dirty.Clear();
    }
}
