namespace Chronik.Coordination.ShareGroups;

/// <summary>What a share partition writes to <c>__share_group_state</c>: updates of the offsets it changed, and periodic snapshots.</summary>
public sealed partial class SharePartition
{
    /// <summary>Notes that [first, last] changed (an empty range notes a start offset change only).</summary>
    private void Touch(long first, long last) => _touched.Add((first, last));

    /// <summary>
    /// The record for the changes since the last one: an update with the current state of the touched
    /// offsets (acquired ones as AVAILABLE with their delivery count: that is what a restart must see), or a
    /// snapshot once share.coordinator.snapshot.update.records.per.snapshot updates have been written.
    /// </summary>
    private ShareStateValue? Persist()
    {
        if (_touched.Count == 0) return null;
        if (++_updatesSinceSnapshot >= Config.UpdatesPerSnapshot)
        {
            _touched.Clear();
            return TakeSnapshot();
        }
        _touched.Sort();
        var batches = new List<ShareStateBatch>();
        long covered = long.MinValue;
        foreach (var (first, last) in _touched)
        {
            long from = Math.Max(Math.Max(first, StartOffset), covered + 1);
            if (from > last) continue;
            AppendBatches(batches, from, last);
            covered = Math.Max(covered, last);
        }
        _touched.Clear();
        return new ShareUpdateRecord(Key, _snapshotEpoch, LeaderEpoch, StartOffset, DeliveryCompleteCount, batches);
    }

    /// <summary>
    /// A snapshot of the whole state, opening a new snapshot epoch (later updates name it). The owner may
    /// also take one at any time, e.g. after recovery, to keep the state log short.
    /// </summary>
    public ShareSnapshotRecord TakeSnapshot()
    {
        _snapshotEpoch++;
        _updatesSinceSnapshot = 0;
        _touched.Clear();
        var batches = new List<ShareStateBatch>();
        AppendBatches(batches, StartOffset, FirstUnfetchedOffset - 1);
        return new ShareSnapshotRecord(Key, _snapshotEpoch, StateEpoch, LeaderEpoch, StartOffset, DeliveryCompleteCount,
            _createTimestampMs, NowMs, batches);
    }

    private void AppendBatches(List<ShareStateBatch> batches, long first, long last)
    {
        if (first > last) return;
        int i = _inFlight.Find(first);
        if (i < 0) i = ~i;
        for (; i < _inFlight.Count && _inFlight[i].First <= last; i++)
        {
            var r = _inFlight[i];
            var state = r.State == DeliveryState.Acquired ? DeliveryState.Available : r.State;
            var b = new ShareStateBatch(Math.Max(r.First, first), Math.Min(r.Last, last), state, (short)Math.Min(r.DeliveryCount, short.MaxValue));
            if (batches.Count > 0)
            {
                var prev = batches[^1];
                if (prev.LastOffset + 1 == b.FirstOffset && prev.DeliveryState == b.DeliveryState && prev.DeliveryCount == b.DeliveryCount)
                {
                    batches[^1] = prev with { LastOffset = b.LastOffset };
                    continue;
                }
            }
            batches.Add(b);
        }
    }
}
