using System.Collections.Concurrent;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Transactions;

/// <summary>Result of InitProducerId: an error or the producer id and epoch to use.</summary>
public readonly record struct ProducerIdAndEpoch(ErrorCode Error, long ProducerId, short ProducerEpoch);

/// <summary>A transaction as DescribeTransactions / ListTransactions report it.</summary>
public sealed record TransactionDescription(string TransactionalId, long ProducerId, short ProducerEpoch, TransactionState State,
    int TimeoutMs, long StartTimeMs, IReadOnlyList<TopicPartition> Partitions);

/// <summary>
/// The transaction coordinator: transactional.id → producer id, epoch, state, partitions, timeout (Kafka's
/// TransactionCoordinator and TransactionStateManager). State changes happen under one lock and are persisted
/// to <see cref="ITransactionLog"/> before they are answered; markers are written outside the lock while the
/// transaction sits in PrepareCommit/PrepareAbort (other requests for it get CONCURRENT_TRANSACTIONS), so a
/// crash in between leaves a Prepare state that <see cref="RecoverAsync"/> completes. Time comes from the
/// injected clock; <see cref="AbortExpiredAsync"/> is the timeout tick.
/// Lock order: this lock → a partition's producer-state lock (markers never take it while holding this one).
/// </summary>
public sealed partial class TransactionCoordinator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TransactionMetadata> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TransactionMetadata> _byProducerId = new();
    private readonly ProducerIdManager _ids;
    private readonly ITransactionLog _log;
    private readonly ITransactionMarkerWriter _markers;
    private readonly TimeProvider _time;
    private readonly int _maxTimeoutMs;
    private readonly long _idExpirationMs;

    /// <param name="transactionalIdExpirationMs">transactional.id.expiration.ms: an id idle this long without an open transaction is forgotten.</param>
    public TransactionCoordinator(ProducerIdManager ids, ITransactionLog log, ITransactionMarkerWriter markers, TimeProvider time, int maxTimeoutMs,
        long transactionalIdExpirationMs = 604_800_000)
    {
        _ids = ids;
        _log = log;
        _markers = markers;
        _time = time;
        _maxTimeoutMs = maxTimeoutMs;
        _idExpirationMs = transactionalIdExpirationMs;
        foreach (var e in log.ReadAll())
        {
            if (_byId.Remove(e.TransactionalId, out var old)) _byProducerId.TryRemove(old.ProducerId, out _);
            if (e.IsTombstone) continue;
            var md = TransactionMetadata.FromEntry(e);
            _byId[md.TransactionalId] = md;
            _byProducerId[md.ProducerId] = md;
        }
    }

    /// <summary>
    /// Kafka's removeExpiredTransactionalIds: forgets every transactional id in Empty, CompleteCommit or CompleteAbort
    /// not updated for transactional.id.expiration.ms, persisting a tombstone first. A later InitProducerId with the id
    /// starts afresh with a new producer id. Returns how many were removed.
    /// </summary>
    public int ExpireTransactionalIds()
    {
        lock (_lock)
        {
            long now = NowMs;
            List<TransactionMetadata>? expired = null;
            foreach (var md in _byId.Values)
            {
                if (md.State is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort
                    && !md.Completing && now - md.LastUpdateMs >= _idExpirationMs)
                {
                    (expired ??= []).Add(md);
                }
            }
            if (expired is null) return 0;
            foreach (var md in expired)
            {
                _log.Append(TransactionLogEntry.Tombstone(md.TransactionalId, md.ProducerId, md.ProducerEpoch, now));
                _byId.Remove(md.TransactionalId);
                _byProducerId.TryRemove(md.ProducerId, out _);
            }
            return expired.Count;
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>InitProducerId with a transactional id: a new id, or the existing one with a bumped epoch (fencing older producers; an open transaction is aborted first).</summary>
    public async Task<ProducerIdAndEpoch> InitProducerIdAsync(string transactionalId, int timeoutMs, long expectedProducerId = -1, short expectedEpoch = -1)
    {
        if (timeoutMs <= 0 || timeoutMs > _maxTimeoutMs) return new(ErrorCode.InvalidTransactionTimeout, -1, -1);
        Completion? abort;
        lock (_lock)
        {
            if (!_byId.TryGetValue(transactionalId, out var md))
            {
                md = new TransactionMetadata { TransactionalId = transactionalId, ProducerId = _ids.Next(), ProducerEpoch = 0, TimeoutMs = timeoutMs, State = TransactionState.Empty };
                _byId[transactionalId] = md;
                _byProducerId[md.ProducerId] = md;
                Persist(md);
                return new(ErrorCode.None, md.ProducerId, md.ProducerEpoch);
            }
            if (md.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return new(ErrorCode.ConcurrentTransactions, -1, -1);
            if (expectedProducerId >= 0 && (expectedProducerId != md.ProducerId || expectedEpoch != md.ProducerEpoch))
            {
                return new(ErrorCode.ProducerFenced, -1, -1);
            }
            BumpEpoch(md);
            md.TimeoutMs = timeoutMs;
            if (md.State == TransactionState.Ongoing)
            {
                abort = BeginCompletion(md, commit: false);
            }
            else
            {
                ResetToEmpty(md);
                Persist(md);
                return new(ErrorCode.None, md.ProducerId, md.ProducerEpoch);
            }
        }
        await CompleteAsync(abort).ConfigureAwait(false);
        lock (_lock)
        {
            var md = abort.Metadata;
            if (md.State != TransactionState.CompleteAbort) return new(ErrorCode.ConcurrentTransactions, -1, -1);
            ResetToEmpty(md);
            Persist(md);
            return new(ErrorCode.None, md.ProducerId, md.ProducerEpoch);
        }
    }

    /// <summary>
    /// AddPartitionsToTxn: adds partitions to the producer's transaction, starting it if none is open.
    /// <paramref name="transactionVersion"/> is the client's transaction.version (2: added implicitly by Produce v12+,
    /// the transaction then bumps its epoch when it ends).
    /// </summary>
    public ErrorCode AddPartitions(string transactionalId, long producerId, short epoch, IReadOnlyCollection<TopicPartition> partitions, short transactionVersion = 0)
    {
        lock (_lock)
        {
            var error = Validate(transactionalId, producerId, epoch, out var md);
            if (error != ErrorCode.None) return error;
            if (md!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return ErrorCode.ConcurrentTransactions;
            bool changed = Begin(md);
            foreach (var p in partitions) changed |= md.Partitions.Add(p);
            if (changed)
            {
                md.ClientTransactionVersion = transactionVersion;
                Persist(md);
            }
            return ErrorCode.None;
        }
    }

    /// <summary>AddOffsetsToTxn (or TxnOffsetCommit v5+ implicitly): the group's offsets will be committed or dropped with the transaction.</summary>
    public ErrorCode AddOffsets(string transactionalId, long producerId, short epoch, string groupId, short transactionVersion = 0)
    {
        lock (_lock)
        {
            var error = Validate(transactionalId, producerId, epoch, out var md);
            if (error != ErrorCode.None) return error;
            if (md!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return ErrorCode.ConcurrentTransactions;
            bool changed = Begin(md) | md.Groups.Add(groupId);
            if (changed)
            {
                md.ClientTransactionVersion = transactionVersion;
                Persist(md);
            }
            return ErrorCode.None;
        }
    }

    /// <summary>AddPartitionsToTxn v4+ verify-only: is each partition part of the producer's open transaction.</summary>
    public ErrorCode VerifyPartition(string transactionalId, long producerId, short epoch, TopicPartition partition)
    {
        lock (_lock)
        {
            var error = Validate(transactionalId, producerId, epoch, out var md);
            if (error != ErrorCode.None) return error;
            return md!.State == TransactionState.Ongoing && md.Partitions.Contains(partition) ? ErrorCode.None : ErrorCode.InvalidTxnState;
        }
    }

    /// <summary>TxnOffsetCommit: the producer must have an open transaction that added the group.</summary>
    public ErrorCode VerifyGroup(string transactionalId, long producerId, short epoch, string groupId)
    {
        lock (_lock)
        {
            var error = Validate(transactionalId, producerId, epoch, out var md);
            if (error != ErrorCode.None) return error;
            return md!.State == TransactionState.Ongoing && md.Groups.Contains(groupId) ? ErrorCode.None : ErrorCode.InvalidTxnState;
        }
    }

    /// <summary>TxnOffsetCommit: records offsets in the open transaction (persisted with it); they reach the group when it commits.</summary>
    public ErrorCode AddTxnOffsets(string transactionalId, long producerId, short epoch, string groupId, IReadOnlyCollection<PendingTxnOffset> offsets)
    {
        lock (_lock)
        {
            var error = Validate(transactionalId, producerId, epoch, out var md);
            if (error != ErrorCode.None) return error;
            if (md!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return ErrorCode.ConcurrentTransactions;
            if (md.State != TransactionState.Ongoing || !md.Groups.Contains(groupId)) return ErrorCode.InvalidTxnState;
            foreach (var o in offsets) md.PendingOffsets[(groupId, o.Topic, o.Partition)] = o;
            Persist(md);
            return ErrorCode.None;
        }
    }

    /// <summary>Whether a transaction holds an uncommitted offset for the group's partition (OffsetFetch require_stable).</summary>
    public bool HasPendingOffset(string groupId, string topic, int partition)
    {
        lock (_lock)
        {
            foreach (var md in _byId.Values)
            {
                if (md.PendingOffsets.Count > 0 && md.PendingOffsets.ContainsKey((groupId, topic, partition))) return true;
            }
            return false;
        }
    }

    /// <summary>
    /// The produce-path check, lock-free: a transactional batch must belong to an open transaction of this producer
    /// epoch that includes the partition. Called under the partition's producer-state lock, so a marker cannot be
    /// written between this check and the append.
    /// </summary>
    public ErrorCode VerifyProduce(long producerId, short epoch, string topic, int partition)
    {
        if (!_byProducerId.TryGetValue(producerId, out var md)) return ErrorCode.InvalidTxnState;
        var view = md.View;
        if (view.ProducerId != producerId) return ErrorCode.InvalidTxnState;
        if (epoch < view.ProducerEpoch) return ErrorCode.ProducerFenced;
        if (epoch > view.ProducerEpoch) return ErrorCode.InvalidProducerEpoch;
        return view.State == TransactionState.Ongoing && view.Partitions.Contains(new TopicPartition(topic, partition)) ? ErrorCode.None : ErrorCode.InvalidTxnState;
    }

    /// <summary>EndTxn: commits or aborts the open transaction; answers once every marker is durable.</summary>
    public async Task<ErrorCode> EndTransactionAsync(string transactionalId, long producerId, short epoch, bool commit)
    {
        Completion completion;
        lock (_lock)
        {
            var error = Validate(transactionalId, producerId, epoch, out var md);
            if (error != ErrorCode.None) return error;
            switch (md!.State)
            {
                case TransactionState.Ongoing:
                    completion = BeginCompletion(md, commit);
                    break;
                case TransactionState.CompleteCommit:
                    return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
                case TransactionState.CompleteAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
                case TransactionState.PrepareCommit:
                case TransactionState.PrepareAbort:
                    return ErrorCode.ConcurrentTransactions;
                default:
                    return ErrorCode.InvalidTxnState;
            }
        }
        await CompleteAsync(completion).ConfigureAwait(false);
        lock (_lock)
        {
            var expected = commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
            return completion.Metadata.State == expected ? ErrorCode.None : ErrorCode.ConcurrentTransactions;
        }
    }

    /// <summary>The timeout tick: aborts (with an epoch bump that fences the producer) every transaction open longer than its timeout.</summary>
    public async Task<int> AbortExpiredAsync()
    {
        var completions = new List<Completion>();
        lock (_lock)
        {
            long now = NowMs;
            foreach (var md in _byId.Values)
            {
                if (md.State == TransactionState.Ongoing && md.StartTimeMs >= 0 && now - md.StartTimeMs > md.TimeoutMs)
                {
                    // Kafka fences, then (TV2) bumps again for the abort: the producer's retry of EndTxn with its own
                    // epoch is then not taken for a retry of a completed call, and it is fenced.
                    if (md.ClientTransactionVersion >= 2) md.ProducerEpoch = (short)Math.Min(md.ProducerEpoch + 2, short.MaxValue);
                    else BumpEpoch(md);
                    completions.Add(BeginCompletion(md, commit: false));
                }
            }
        }
        foreach (var c in completions) await CompleteAsync(c).ConfigureAwait(false);
        return completions.Count;
    }

    /// <summary>Completes transactions left in PrepareCommit/PrepareAbort (by a crash, or a failed marker write).</summary>
    public async Task<int> RecoverAsync()
    {
        var completions = new List<Completion>();
        lock (_lock)
        {
            foreach (var md in _byId.Values)
            {
                if (md.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort && !md.Completing)
                {
                    md.Completing = true;
                    completions.Add(new Completion(md, md.State == TransactionState.PrepareCommit, md.ProducerId, md.ProducerEpoch, md.Partitions.ToList(), md.PendingOffsets.Values.ToList()));
                }
            }
        }
        foreach (var c in completions) await CompleteAsync(c).ConfigureAwait(false);
        return completions.Count;
    }

    public TransactionDescription? Describe(string transactionalId)
    {
        lock (_lock) return _byId.TryGetValue(transactionalId, out var md) ? Describe(md) : null;
    }

    public List<TransactionDescription> List()
    {
        lock (_lock) return _byId.Values.Select(Describe).ToList();
    }

    /// <summary>The transactional id a producer id belongs to, if any.</summary>
    public string? TransactionalIdOf(long producerId) => _byProducerId.TryGetValue(producerId, out var md) ? md.TransactionalId : null;

    private static TransactionDescription Describe(TransactionMetadata md) =>
        new(md.TransactionalId, md.ProducerId, md.ProducerEpoch, md.State, md.TimeoutMs, md.StartTimeMs, md.Partitions.ToList());

    private sealed record Completion(TransactionMetadata Metadata, bool Commit, long ProducerId, short Epoch,
        IReadOnlyCollection<TopicPartition> Partitions, IReadOnlyCollection<PendingTxnOffset> Offsets);

    private Completion BeginCompletion(TransactionMetadata md, bool commit)
    {
        md.State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
        md.Completing = true;
        Persist(md);
        return new Completion(md, commit, md.ProducerId, md.ProducerEpoch, md.Partitions.ToList(), md.PendingOffsets.Values.ToList());
    }

    /// <summary>Writes the markers (no lock held), then moves Prepare* to Complete*. A failed write leaves Prepare* for the next tick.</summary>
    private async Task CompleteAsync(Completion c)
    {
        try
        {
            await _markers.WriteMarkersAsync(c.ProducerId, c.Epoch, c.Commit, c.Partitions, c.Offsets).ConfigureAwait(false);
        }
        catch (IOException)
        {
            lock (_lock) c.Metadata.Completing = false;
            return;
        }
        lock (_lock)
        {
            var md = c.Metadata;
            md.Completing = false;
            md.State = c.Commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
            if (md.NextProducerId >= 0) RotateProducerId(md);
            md.Partitions.Clear();
            md.Groups.Clear();
            md.PendingOffsets.Clear();
            Persist(md);
        }
    }

    private ErrorCode Validate(string transactionalId, long producerId, short epoch, out TransactionMetadata? md)
    {
        if (!_byId.TryGetValue(transactionalId, out md) || md.ProducerId != producerId) return ErrorCode.InvalidProducerIdMapping;
        if (epoch != md.ProducerEpoch) return ErrorCode.ProducerFenced;
        return ErrorCode.None;
    }

    /// <summary>Moves a finished or empty transaction to Ongoing; true when that changed anything.</summary>
    private bool Begin(TransactionMetadata md)
    {
        if (md.State == TransactionState.Ongoing) return false;
        md.State = TransactionState.Ongoing;
        md.StartTimeMs = NowMs;
        md.Partitions.Clear();
        md.Groups.Clear();
        md.PendingOffsets.Clear();
        return true;
    }

    private void BumpEpoch(TransactionMetadata md)
    {
        if (md.ProducerEpoch >= short.MaxValue - 1)
        {
            // Epoch exhausted: a new producer id, as Kafka does.
            _byProducerId.TryRemove(md.ProducerId, out _);
            md.ProducerId = _ids.Next();
            md.ProducerEpoch = 0;
            _byProducerId[md.ProducerId] = md;
        }
        else
        {
            md.ProducerEpoch++;
        }
    }

    private void ResetToEmpty(TransactionMetadata md)
    {
        md.State = TransactionState.Empty;
        md.StartTimeMs = -1;
        md.Partitions.Clear();
        md.Groups.Clear();
        md.PendingOffsets.Clear();
    }

    private void Persist(TransactionMetadata md)
    {
        md.LastUpdateMs = NowMs;
        _log.Append(md.ToEntry());
        md.Publish();
    }
}
