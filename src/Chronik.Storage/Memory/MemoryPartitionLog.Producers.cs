namespace Chronik.Storage.Memory;

/// <summary>Producer snapshots and aborted-transaction entries kept in memory with the file log's rules.</summary>
internal sealed partial class MemoryPartitionLog
{
    private const int RetainedSnapshots = 3;
    private readonly List<ProducerSnapshot> _snapshots = [];
    private IProducerSnapshotSource? _producerState;

    /// <summary>The producer state attached to this log (the memory log never asks it for snapshots by itself).</summary>
    internal IProducerSnapshotSource? ProducerState => Volatile.Read(ref _producerState);

    public long TxnIndexRebuildFrom => long.MaxValue;

    public void AttachProducerState(IProducerSnapshotSource source) => Volatile.Write(ref _producerState, source);

    public bool HasProducerStateToLoad
    {
        get
        {
            lock (_lock) return _snapshots.Count > 0 || LogEndOffset != LogStartOffset;
        }
    }

    public ProducerSnapshot? LoadProducerSnapshot(long maxOffset)
    {
        lock (_lock) return _snapshots.LastOrDefault(s => s.Offset <= maxOffset);
    }

    public void WriteProducerSnapshot(ProducerSnapshot snapshot)
    {
        lock (_lock)
        {
            _snapshots.RemoveAll(s => s.Offset == snapshot.Offset);
            _snapshots.Add(snapshot);
            _snapshots.Sort((a, b) => a.Offset.CompareTo(b.Offset));
            if (_snapshots.Count > RetainedSnapshots) _snapshots.RemoveRange(0, _snapshots.Count - RetainedSnapshots);
        }
    }

    public ValueTask<AppendResult> AppendMarkerAsync(Memory<byte> marker, AbortedTransaction? aborted, CancellationToken cancellationToken = default) =>
        AppendCore(marker, AppendOptions.Default, aborted);

    public void CompleteTxnIndexRebuild(IReadOnlyList<AbortedTransaction> entries)
    {
        lock (_lock)
        {
            foreach (var e in entries)
            {
                int i = _segments.FindLastIndex(s => s.BaseOffset <= e.LastOffset);
                if (i >= 0 && e.LastOffset < _logEndOffset) _segments[i].AddAborted(e);
            }
        }
    }

    public void CollectAbortedTransactions(long fetchOffset, long upperBound, List<AbortedTransaction> into)
    {
        lock (_lock)
        {
            for (int i = Math.Max(0, _segments.FindLastIndex(s => s.BaseOffset <= fetchOffset)); i < _segments.Count; i++)
            {
                if (AbortedTransactions.Collect(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_segments[i].Aborted), fetchOffset, upperBound, into)) return;
            }
        }
    }

    /// <summary>Drops the snapshots below the first segment (their segments were deleted).</summary>
    private void DropSnapshotsBelowFirstSegment() => _snapshots.RemoveAll(s => s.Offset < _segments[0].BaseOffset);
}
