namespace Chronik.Storage.Disk;

/// <summary>
/// Producer state persistence: snapshots in the partition directory and each segment's aborted-transaction index.
/// Snapshots are asked of the attached producer state (with no storage lock held) by the checkpoint task after a
/// segment roll or every <c>ProducerSnapshotInterval</c> while the log grows, and at clean shutdown.
/// </summary>
internal sealed partial class FilePartitionLog
{
    private ProducerSnapshotFiles _snapshots = null!;
    private IProducerSnapshotSource? _producerState;
    private bool _snapshotDue;
    private long _lastSnapshotOffset = -1;
    private long _lastSnapshotMs;
    private long _txnIndexRebuildFrom = long.MaxValue;
    // While the index tail lost in a crash is not rebuilt, the recovery point stays where it was, so a second crash rebuilds it again.
    private long _recoveryPointCap = long.MaxValue;

    public long TxnIndexRebuildFrom => Volatile.Read(ref _txnIndexRebuildFrom);

    public void AttachProducerState(IProducerSnapshotSource source) => Volatile.Write(ref _producerState, source);

    public ProducerSnapshot? LoadProducerSnapshot(long maxOffset) => _snapshots.LoadLatest(maxOffset);

    public bool HasProducerStateToLoad =>
        LogEndOffset != LogStartOffset || _snapshots.MayHaveSnapshots || TxnIndexRebuildFrom != long.MaxValue;

    public void WriteProducerSnapshot(ProducerSnapshot snapshot)
    {
        _snapshots.Write(snapshot);
        Volatile.Write(ref _lastSnapshotOffset, snapshot.Offset);
        Volatile.Write(ref _lastSnapshotMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public ValueTask<AppendResult> AppendMarkerAsync(Memory<byte> marker, AbortedTransaction? aborted, CancellationToken cancellationToken = default) =>
        AppendCore(marker, AppendOptions.Default, aborted, cancellationToken);

    public void CompleteTxnIndexRebuild(IReadOnlyList<AbortedTransaction> entries)
    {
        lock (_appendLock)
        {
            if (_closed) return;
            foreach (var e in entries)
            {
                if (e.LastOffset < _segments[0].BaseOffset || e.LastOffset >= _logEndOffset) continue;
                _segments[FindSegment(_segments, e.LastOffset)].TxnIndex.Append(e);
            }
            Volatile.Write(ref _txnIndexRebuildFrom, long.MaxValue);
            Volatile.Write(ref _recoveryPointCap, long.MaxValue);
        }
    }

    public void CollectAbortedTransactions(long fetchOffset, long upperBound, List<AbortedTransaction> into)
    {
        var segments = Volatile.Read(ref _segments);
        for (int i = FindSegment(segments, fetchOffset); i < segments.Length; i++)
        {
            if (AbortedTransactions.Collect(segments[i].TxnIndex.Entries, fetchOffset, upperBound, into)) return;
        }
    }

    /// <summary>
    /// At open, after the segments are recovered: snapshots above the log end go (the log was cut below them); index
    /// entries from the recovery point on are dropped (they may describe markers that were cut); the index needs a
    /// rebuild from the recovery point when a marker was found past it, and from the log start when no snapshot exists
    /// (the producer state replays the whole log then anyway, and an older data directory has no index).
    /// </summary>
    private void RecoverProducerFiles(PartitionDirListing listing, List<LogSegment> segments, long recoveryPoint, long leo, long logStart)
    {
        _snapshots = ProducerSnapshotFiles.Recover(_dir, listing, leo, out var offsets);
        bool sawMarker = false;
        foreach (var s in segments)
        {
            if (s.NextOffset > recoveryPoint || s == segments[^1]) s.TxnIndex.TruncateFrom(recoveryPoint);
            sawMarker |= s.RecoveredControlBatch;
        }
        _lastSnapshotOffset = offsets.Count > 0 ? offsets[^1] : -1; // a clean restart need not write the same snapshot again
        if (leo > logStart && offsets.Count == 0) _txnIndexRebuildFrom = logStart;
        else if (sawMarker)
        {
            _txnIndexRebuildFrom = recoveryPoint;
            _recoveryPointCap = recoveryPoint;
        }
    }

    /// <summary>Whether the checkpoint task should take a producer snapshot now.</summary>
    private bool SnapshotDue(long nowMs, long intervalMs) =>
        Volatile.Read(ref _producerState) is not null
        && (Volatile.Read(ref _snapshotDue) || (nowMs - Volatile.Read(ref _lastSnapshotMs) >= intervalMs && LogEndOffset != Volatile.Read(ref _lastSnapshotOffset)));

    /// <summary>The checkpoint task's part: a snapshot when one is due (after a roll, or the interval passed while the log grew).</summary>
    public void MaybeTakeProducerSnapshot(long nowMs, long intervalMs)
    {
        if (SnapshotDue(nowMs, intervalMs)) TakeProducerSnapshot();
    }

    /// <summary>Asks the attached producer state for a snapshot at the current log end and stores it (skipped when nothing changed).</summary>
    public void TakeProducerSnapshot()
    {
        var source = Volatile.Read(ref _producerState);
        if (source is null) return;
        Volatile.Write(ref _snapshotDue, false);
        // A log that never had a record has no producer state to keep: thousands of empty partitions would
        // otherwise cost two fsyncs each at every shutdown.
        if (LogEndOffset == Volatile.Read(ref _lastSnapshotOffset) || LogEndOffset == 0) return;
        WriteProducerSnapshot(source.CaptureSnapshot());
    }
}
