using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Coordination.Producers;

/// <summary>One appended batch a producer may retry: its sequence range and where it landed.</summary>
public readonly record struct BatchMetadata(int FirstSequence, int LastSequence, long FirstOffset, int OffsetDelta, long Timestamp)
{
    public long LastOffset => FirstOffset + OffsetDelta;
}

/// <summary>What one partition knows about one producer id (Kafka's ProducerStateEntry).</summary>
public sealed class ProducerEntry
{
    /// <summary>How many of a producer's latest batches are kept for duplicate detection, as in Kafka.</summary>
    public const int MaxCachedBatches = 5;

    private readonly List<BatchMetadata> _batches = new(MaxCachedBatches);

    public ProducerEntry(long producerId) => ProducerId = producerId;

    public long ProducerId { get; }
    public short Epoch { get; internal set; } = -1;
    public int CoordinatorEpoch { get; internal set; } = -1;
    public long LastTimestamp { get; internal set; } = -1;
    /// <summary>The first offset of this producer's open transaction in the partition, or -1.</summary>
    public long CurrentTxnFirstOffset { get; internal set; } = -1;
    public IReadOnlyList<BatchMetadata> Batches => _batches;
    public int LastSequence => _batches.Count > 0 ? _batches[^1].LastSequence : -1;
    public long LastOffset => _batches.Count > 0 ? _batches[^1].LastOffset : -1;

    internal void Restore(ProducerSnapshotEntry e)
    {
        Epoch = e.Epoch;
        CoordinatorEpoch = e.CoordinatorEpoch;
        CurrentTxnFirstOffset = e.CurrentTxnFirstOffset;
        _batches.Clear();
        foreach (var b in e.Batches.Skip(Math.Max(0, e.Batches.Count - MaxCachedBatches)))
        {
            _batches.Add(new BatchMetadata(b.FirstSequence, b.LastSequence, b.FirstOffset, b.OffsetDelta, b.Timestamp));
        }
        LastTimestamp = e.LastTimestamp;
    }

    internal ProducerSnapshotEntry ToSnapshot() => new(ProducerId, Epoch, CoordinatorEpoch, LastTimestamp, CurrentTxnFirstOffset,
        _batches.Select(b => new ProducerSnapshotBatch(b.FirstSequence, b.LastSequence, b.FirstOffset, b.OffsetDelta, b.Timestamp)).ToArray());

    internal void Add(BatchMetadata batch)
    {
        if (_batches.Count == MaxCachedBatches) _batches.RemoveAt(0);
        _batches.Add(batch);
        LastTimestamp = batch.Timestamp;
    }

    internal void BumpEpoch(short epoch)
    {
        if (epoch == Epoch) return;
        Epoch = epoch;
        _batches.Clear();
    }

    internal BatchMetadata? FindDuplicate(short epoch, int firstSequence, int lastSequence)
    {
        if (epoch != Epoch) return null;
        foreach (var b in _batches)
        {
            if (b.FirstSequence == firstSequence && b.LastSequence == lastSequence) return b;
        }
        return null;
    }
}

/// <summary>The outcome of checking a produced batch against the producer's state: an error, a duplicate (with its original offset) or fine.</summary>
public readonly record struct SequenceCheck(ErrorCode Error, BatchMetadata? Duplicate)
{
    public static SequenceCheck Ok => new(ErrorCode.None, null);
    public bool IsDuplicate => Duplicate is not null;
}

/// <summary>
/// Per-partition producer state (Kafka's ProducerStateManager): the last five batches of each producer for
/// duplicate detection, epochs and open transactions (for the last stable offset). Aborted transactions live in
/// the log's per-segment index. Not thread-safe: <see cref="PartitionProducerState"/> serializes access.
/// </summary>
public sealed class ProducerStateTable
{
    private readonly Dictionary<long, ProducerEntry> _producers = [];
    private readonly Dictionary<long, long> _ongoing = [];

    public IReadOnlyCollection<ProducerEntry> Producers => _producers.Values;

    /// <summary>The first offset of the earliest open transaction, or long.MaxValue when none is open.</summary>
    public long FirstUnstableOffset { get; private set; } = long.MaxValue;

    public ProducerEntry? Get(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>
    /// Kafka's ProducerAppendInfo checks, in its order: an older epoch is fenced; a batch equal to one of the
    /// last five is a duplicate; a new epoch must start at sequence 0; otherwise the batch must follow the last
    /// sequence. A producer this partition has never seen is accepted at any sequence, as Kafka does (its state
    /// may have been removed by retention).
    /// </summary>
    public SequenceCheck Check(in RecordBatchHeader h)
    {
        if (h.ProducerId < 0) return SequenceCheck.Ok;
        if (!_producers.TryGetValue(h.ProducerId, out var e) || e.Epoch < 0) return SequenceCheck.Ok;
        if (h.ProducerEpoch < e.Epoch) return new(ErrorCode.InvalidProducerEpoch, null);
        if (h.BaseSequence < 0) return SequenceCheck.Ok;
        if (e.FindDuplicate(h.ProducerEpoch, h.BaseSequence, h.LastSequence) is { } dup) return new(ErrorCode.None, dup);
        if (h.ProducerEpoch != e.Epoch)
        {
            return h.BaseSequence == 0 ? SequenceCheck.Ok : new(ErrorCode.OutOfOrderSequenceNumber, null);
        }
        if (!InSequence(e.LastSequence, h.BaseSequence)) return new(ErrorCode.OutOfOrderSequenceNumber, null);
        return SequenceCheck.Ok;
    }

    private static bool InSequence(int last, int next) => next == last + 1 || (next == 0 && last == int.MaxValue);

    /// <summary>Records a data batch that is now in the log at <paramref name="baseOffset"/>.</summary>
    public void OnAppended(in RecordBatchHeader h, long baseOffset)
    {
        if (h.ProducerId < 0) return;
        var e = Entry(h.ProducerId);
        e.BumpEpoch(h.ProducerEpoch);
        if (h.BaseSequence >= 0) e.Add(new BatchMetadata(h.BaseSequence, h.LastSequence, baseOffset, h.LastOffsetDelta, h.MaxTimestamp));
        else e.LastTimestamp = h.MaxTimestamp;
        if (h.IsTransactional && e.CurrentTxnFirstOffset < 0)
        {
            e.CurrentTxnFirstOffset = baseOffset;
            _ongoing[h.ProducerId] = baseOffset;
            if (baseOffset < FirstUnstableOffset) FirstUnstableOffset = baseOffset;
        }
    }

    /// <summary>
    /// Records a commit or abort marker at <paramref name="markerOffset"/>: closes the producer's open transaction here.
    /// Returns the aborted transaction (with the last stable offset after it) when this was an abort that closed one.
    /// </summary>
    public AbortedTransaction? OnMarker(long producerId, short epoch, bool commit, long markerOffset, int coordinatorEpoch, long timestamp)
    {
        var e = Entry(producerId);
        if (epoch > e.Epoch) e.BumpEpoch(epoch);
        e.CoordinatorEpoch = coordinatorEpoch;
        e.LastTimestamp = timestamp;
        if (e.CurrentTxnFirstOffset < 0) return null;
        long first = e.CurrentTxnFirstOffset;
        e.CurrentTxnFirstOffset = -1;
        _ongoing.Remove(producerId);
        FirstUnstableOffset = _ongoing.Count == 0 ? long.MaxValue : _ongoing.Values.Min();
        return commit ? null : new AbortedTransaction(producerId, first, markerOffset, Math.Min(FirstUnstableOffset, markerOffset + 1));
    }

    /// <summary>The first offset of the earliest open transaction of another producer, or long.MaxValue.</summary>
    public long FirstUnstableOffsetExcept(long producerId)
    {
        long min = long.MaxValue;
        foreach (var (pid, first) in _ongoing)
        {
            if (pid != producerId && first < min) min = first;
        }
        return min;
    }

    /// <summary>Replaces the state with a snapshot's.</summary>
    public void Load(ProducerSnapshot snapshot)
    {
        _producers.Clear();
        _ongoing.Clear();
        foreach (var p in snapshot.Producers)
        {
            var e = Entry(p.ProducerId);
            e.Restore(p);
            if (e.CurrentTxnFirstOffset >= 0) _ongoing[p.ProducerId] = e.CurrentTxnFirstOffset;
        }
        FirstUnstableOffset = _ongoing.Count == 0 ? long.MaxValue : _ongoing.Values.Min();
    }

    /// <summary>The state as a snapshot valid at <paramref name="offset"/> (the log end offset it reflects).</summary>
    public ProducerSnapshot ToSnapshot(long offset) => new(offset, _producers.Values.Select(e => e.ToSnapshot()).ToList());

    /// <summary>
    /// Kafka's removeExpiredProducers: forgets producers without an open transaction whose last batch timestamp is at
    /// least <paramref name="expirationMs"/> old. Returns how many were removed.
    /// </summary>
    public int RemoveExpired(long nowMs, long expirationMs)
    {
        List<long>? expired = null;
        foreach (var e in _producers.Values)
        {
            if (e.CurrentTxnFirstOffset < 0 && nowMs - e.LastTimestamp >= expirationMs) (expired ??= []).Add(e.ProducerId);
        }
        if (expired is null) return 0;
        foreach (long pid in expired) _producers.Remove(pid);
        return expired.Count;
    }

    private ProducerEntry Entry(long producerId)
    {
        if (!_producers.TryGetValue(producerId, out var e)) _producers[producerId] = e = new ProducerEntry(producerId);
        return e;
    }
}
