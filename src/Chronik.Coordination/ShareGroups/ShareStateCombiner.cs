namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// Rebuilds a share partition's persisted state from its records, as Kafka's share coordinator does: the
/// latest snapshot, then each later update of the same snapshot epoch laid over it in order (a newer batch
/// replaces whatever older batches said about its offsets), batches below the start offset dropped.
/// </summary>
public static class ShareStateCombiner
{
    /// <summary>Combines the records of one share partition, in log order; null when there is no snapshot.</summary>
    public static PersistedShareState? Combine(IEnumerable<ShareStateValue> records)
    {
        ShareSnapshotRecord? snapshot = null;
        var updates = new List<ShareUpdateRecord>();
        foreach (var r in records)
        {
            switch (r)
            {
                case ShareSnapshotRecord s:
                    snapshot = s;
                    updates.Clear();
                    break;
                case ShareUpdateRecord u when snapshot is not null && u.SnapshotEpoch == snapshot.SnapshotEpoch:
                    updates.Add(u);
                    break;
            }
        }
        return snapshot is null ? null : Combine(snapshot, updates);
    }

    /// <summary>Lays <paramref name="updates"/> over <paramref name="snapshot"/>.</summary>
    public static PersistedShareState Combine(ShareSnapshotRecord snapshot, IReadOnlyList<ShareUpdateRecord> updates)
    {
        var batches = new List<ShareStateBatch>(snapshot.StateBatches);
        long start = snapshot.StartOffset;
        int leaderEpoch = snapshot.LeaderEpoch;
        foreach (var u in updates)
        {
            foreach (var b in u.StateBatches) Overlay(batches, b);
            if (u.StartOffset >= 0) start = u.StartOffset;
            leaderEpoch = u.LeaderEpoch;
        }
        return new PersistedShareState(snapshot.SnapshotEpoch, snapshot.StateEpoch, leaderEpoch, start, snapshot.CreateTimestampMs,
            TrimBelow(batches, start));
    }

    /// <summary>Replaces the offsets of <paramref name="b"/> in the sorted, non-overlapping <paramref name="batches"/>.</summary>
    internal static void Overlay(List<ShareStateBatch> batches, ShareStateBatch b)
    {
        if (b.LastOffset < b.FirstOffset) return;
        var result = new List<ShareStateBatch>(batches.Count + 2);
        bool inserted = false;
        foreach (var old in batches)
        {
            if (old.LastOffset < b.FirstOffset)
            {
                result.Add(old);
                continue;
            }
            if (old.FirstOffset > b.LastOffset)
            {
                if (!inserted)
                {
                    result.Add(b);
                    inserted = true;
                }
                result.Add(old);
                continue;
            }
            if (old.FirstOffset < b.FirstOffset) result.Add(old with { LastOffset = b.FirstOffset - 1 });
            if (!inserted)
            {
                result.Add(b);
                inserted = true;
            }
            if (old.LastOffset > b.LastOffset) result.Add(old with { FirstOffset = b.LastOffset + 1 });
        }
        if (!inserted) result.Add(b);
        batches.Clear();
        batches.AddRange(result);
    }

    private static List<ShareStateBatch> TrimBelow(List<ShareStateBatch> batches, long start)
    {
        var result = new List<ShareStateBatch>(batches.Count);
        foreach (var b in batches)
        {
            if (b.LastOffset < start) continue;
            result.Add(b.FirstOffset < start ? b with { FirstOffset = start } : b);
        }
        return result;
    }
}
