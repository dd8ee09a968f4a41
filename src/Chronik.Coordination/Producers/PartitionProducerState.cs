using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Coordination.Producers;

/// <summary>The result of a produce append through the producer state: an error, a duplicate answered from the cache, or a log append.</summary>
public readonly record struct ProducerAppend(ErrorCode Error, BatchMetadata? Duplicate, ValueTask<AppendResult> Append);

/// <summary>
/// The producer state of one partition log and the lock that makes check + append atomic: every append that
/// carries producer information (produce, transaction markers) goes through here, so two retries of one batch
/// cannot both be written. The state is loaded from the log's newest snapshot and the batches after it
/// (<see cref="ProducerStateRecovery"/>); the log asks it for snapshots through <see cref="IProducerSnapshotSource"/>.
/// Lock order: this lock, then the log's append lock. It is held only for the synchronous part of an append.
/// </summary>
public sealed class PartitionProducerState : IProducerSnapshotSource
{
    private readonly Lock _lock = new();
    private readonly IPartitionLog _log;
    private readonly ProducerStateTable _table = new();
    // Published for lock-free readers: written before the append that opens a transaction becomes visible.
    private long _firstUnstable = long.MaxValue;

    internal PartitionProducerState(IPartitionLog log)
    {
        _log = log;
        ProducerStateRecovery.Rebuild(log, _table);
        _firstUnstable = _table.FirstUnstableOffset;
        log.AttachProducerState(this);
    }

    public IPartitionLog Log => _log;

    /// <summary>The first offset of the earliest open transaction, else the high watermark (lock-free).</summary>
    public long LastStableOffset
    {
        get
        {
            // High watermark first: if it covers a new transactional batch, the write of _firstUnstable before it is visible too.
            long hw = _log.HighWatermark;
            return Math.Min(hw, Volatile.Read(ref _firstUnstable));
        }
    }

    /// <summary>
    /// Checks one validated batch against the producer state and appends it when it is new. <paramref name="verify"/>
    /// runs under the lock after the sequence checks (the transaction check: is this partition part of the producer's
    /// open transaction), so a marker cannot slip between the check and the append.
    /// </summary>
    public ProducerAppend Append(Memory<byte> batch, Func<RecordBatchHeader, ErrorCode>? verify, AppendOptions options, CancellationToken ct)
    {
        var h = RecordBatchHeader.Read(batch.Span);
        lock (_lock)
        {
            if (h.ProducerId >= 0)
            {
                var check = _table.Check(h);
                if (check.Error != ErrorCode.None) return new(check.Error, null, default);
                if (check.Duplicate is { } dup) return new(ErrorCode.None, dup, default);
            }
            if (verify is not null && verify(h) is var error && error != ErrorCode.None) return new(error, null, default);
            long nextOffset = _log.LogEndOffset;
            bool opens = h.IsTransactional && (_table.Get(h.ProducerId)?.CurrentTxnFirstOffset ?? -1) < 0;
            if (opens && nextOffset < Volatile.Read(ref _firstUnstable)) Volatile.Write(ref _firstUnstable, nextOffset);
            var append = _log.AppendAsync(batch, options, ct);
            if (append.IsCompletedSuccessfully)
            {
                var done = append.Result;
                if (done.Error != LogError.None)
                {
                    Volatile.Write(ref _firstUnstable, _table.FirstUnstableOffset);
                    return new(ErrorCode.None, null, ValueTask.FromResult(done));
                }
                _table.OnAppended(h, done.BaseOffset);
                Volatile.Write(ref _firstUnstable, _table.FirstUnstableOffset);
                return new(ErrorCode.None, null, ValueTask.FromResult(done));
            }
            // The write happened before AppendAsync returned; the base offset is stamped in the bytes.
            _table.OnAppended(h, BinaryPrimitives.ReadInt64BigEndian(batch.Span));
            Volatile.Write(ref _firstUnstable, _table.FirstUnstableOffset);
            return new(ErrorCode.None, null, append);
        }
    }

    /// <summary>
    /// Writes a commit or abort marker for the producer and closes its open transaction in this partition; an abort
    /// that closes one is recorded in the log's aborted-transaction index with the marker, under the log's lock.
    /// </summary>
    public ValueTask<AppendResult> AppendMarker(long producerId, short epoch, bool commit, int coordinatorEpoch, long timestamp, CancellationToken ct = default)
    {
        var marker = ControlRecord.BuildTransactionMarker(commit ? ControlRecordType.Commit : ControlRecordType.Abort,
            producerId, epoch, coordinatorEpoch, timestamp);
        lock (_lock)
        {
            long first = _table.Get(producerId)?.CurrentTxnFirstOffset ?? -1;
            AbortedTransaction? aborted = !commit && first >= 0
                ? new AbortedTransaction(producerId, first, -1, _table.FirstUnstableOffsetExcept(producerId))
                : null;
            var append = _log.AppendMarkerAsync(marker, aborted, ct);
            if (append.IsCompletedSuccessfully)
            {
                var done = append.Result;
                if (done.Error == LogError.None) OnMarker(producerId, epoch, commit, done.BaseOffset, coordinatorEpoch, timestamp);
                return ValueTask.FromResult(done);
            }
            // The write happened before AppendMarkerAsync returned; the marker's offset is stamped in its bytes.
            OnMarker(producerId, epoch, commit, BinaryPrimitives.ReadInt64BigEndian(marker), coordinatorEpoch, timestamp);
            return append;
        }
    }

    private void OnMarker(long producerId, short epoch, bool commit, long offset, int coordinatorEpoch, long timestamp)
    {
        _table.OnMarker(producerId, epoch, commit, offset, coordinatorEpoch, timestamp);
        Volatile.Write(ref _firstUnstable, _table.FirstUnstableOffset);
        _log.Readable.Pulse(); // the last stable offset may have moved: read_committed long polls re-check
    }

    /// <summary>Adds the aborted transactions overlapping [fetchOffset, upperBound) to <paramref name="into"/>, from the log's index (no lock).</summary>
    public void CollectAborted(long fetchOffset, long upperBound, List<AbortedTransaction> into) =>
        _log.CollectAbortedTransactions(fetchOffset, upperBound, into);

    /// <summary>The state as of the log end offset, for the log's snapshot file.</summary>
    public ProducerSnapshot CaptureSnapshot()
    {
        lock (_lock) return _table.ToSnapshot(_log.LogEndOffset);
    }

    /// <summary>Forgets idle producers (producer.id.expiration.ms) without an open transaction; returns how many.</summary>
    public int RemoveExpiredProducers(long nowMs, long expirationMs)
    {
        lock (_lock) return _table.RemoveExpired(nowMs, expirationMs);
    }

    /// <summary>A copy of the producers this partition knows (DescribeProducers).</summary>
    public List<(long ProducerId, short Epoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset)> Snapshot()
    {
        lock (_lock)
        {
            return _table.Producers
                .Select(e => (e.ProducerId, e.Epoch, e.LastSequence, e.LastTimestamp, e.CoordinatorEpoch, e.CurrentTxnFirstOffset))
                .ToList();
        }
    }

    /// <summary>The open transaction of a producer in this partition (first offset), or -1.</summary>
    public long OpenTransactionOf(long producerId)
    {
        lock (_lock) return _table.Get(producerId)?.CurrentTxnFirstOffset ?? -1;
    }
}

/// <summary>The producer state of every partition, keyed by the log object so a deleted and re-created topic starts afresh.</summary>
public sealed class ProducerStateRegistry
{
    // Lazy: the table may race two creations of a value; only one state may attach to a log and rebuild its index.
    private readonly ConditionalWeakTable<IPartitionLog, Lazy<PartitionProducerState>> _states = new();

    public PartitionProducerState For(IPartitionLog log) =>
        _states.GetValue(log, static l => new Lazy<PartitionProducerState>(() => new PartitionProducerState(l))).Value;

    /// <summary>Kafka's periodic removeExpiredProducers over every loaded partition; returns how many producers were removed.</summary>
    public int RemoveExpiredProducers(long nowMs, long expirationMs)
    {
        int removed = 0;
        foreach (var (_, state) in _states)
        {
            if (state.IsValueCreated) removed += state.Value.RemoveExpiredProducers(nowMs, expirationMs);
        }
        return removed;
    }
}
