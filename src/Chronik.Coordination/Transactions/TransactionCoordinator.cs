using System.Collections.Concurrent;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Transactions;

/// <summary>Result of InitProducerId: an error or the producer id and epoch to use.</summary>
public readonly record struct ProducerIdAndEpoch(ErrorCode Error, long ProducerId, short ProducerEpoch);

/// <summary>A transaction as DescribeTransactions / ListTransactions report it.</summary>
public sealed record TransactionDescription(string TransactionalId, long ProducerId, short ProducerEpoch, TransactionState State,
    int TimeoutMs, long StartTimeMs, IReadOnlyList<TopicPartition> Partitions);

/// <summary>
/// The transaction coordinator's state machine: transactional.id → producer id, epoch, state, partitions, timeout
/// (Kafka's TransactionCoordinator and TransactionStateManager). Deterministic: every operation takes the time as an
/// argument and returns the records to persist plus its answer (<see cref="TransactionResult{T}"/>); it does no I/O,
/// reads no clock and takes no lock — the caller (<see cref="TransactionCoordinatorService"/>) serializes calls,
/// persists the records, publishes the new state once durable and only then answers. State is rebuilt by
/// <see cref="Replay"/> of those records. A commit or abort is two operations around the markers the caller writes:
/// PrepareCommit/PrepareAbort (other requests for the id get CONCURRENT_TRANSACTIONS meanwhile), then
/// <see cref="CompleteTransaction"/>. Producer ids come from the <see cref="ProducerIdManager"/> (which persists a
/// new block once per 1000 ids itself).
/// Lock-free readers (<see cref="VerifyProduce"/>, <see cref="TransactionalIdOf"/>) see the published, durable view.
/// </summary>
public sealed partial class TransactionCoordinator
{
    private readonly Dictionary<string, TransactionMetadata> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TransactionMetadata> _byProducerId = new();
    private readonly ProducerIdManager _ids;
    private readonly int _maxTimeoutMs;
    private readonly long _idExpirationMs;

    /// <param name="transactionalIdExpirationMs">transactional.id.expiration.ms: an id idle this long without an open transaction is forgotten.</param>
    public TransactionCoordinator(ProducerIdManager ids, int maxTimeoutMs, long transactionalIdExpirationMs = 604_800_000)
    {
        _ids = ids;
        _maxTimeoutMs = maxTimeoutMs;
        _idExpirationMs = transactionalIdExpirationMs;
    }

    /// <summary>Applies persisted records in log order (start-up replay): the last record per id is its state, a tombstone removes it.</summary>
    public void Replay(IEnumerable<MetadataRecord> records)
    {
        foreach (var r in records)
        {
            if (r.Message is not TransactionStateRecord record) continue;
            string id = TransactionRecords.TransactionalIdOf(record);
            if (_byId.Remove(id, out var old)) _byProducerId.TryRemove(old.ProducerId, out _);
            if (TransactionRecords.Read(record) is not { } md) continue;
            md.Publish();
            _byId[id] = md;
            _byProducerId[md.ProducerId] = md;
        }
    }

    /// <summary>The current state as records that rebuild it when replayed (one per transactional id).</summary>
    public List<MetadataRecord> SnapshotRecords() => _byId.Values.OrderBy(m => m.TransactionalId, StringComparer.Ordinal).Select(TransactionRecords.Of).ToList();

    /// <summary>
    /// Kafka's removeExpiredTransactionalIds: forgets every transactional id in Empty, CompleteCommit or CompleteAbort
    /// not updated for transactional.id.expiration.ms, with a tombstone record each. A later InitProducerId with the id
    /// starts afresh with a new producer id. Answers how many were removed.
    /// </summary>
    public TransactionResult<int> ExpireTransactionalIds(long nowMs)
    {
        var fx = new TransactionEffects();
        var expired = _byId.Values.Where(md => md.State is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort
            && !md.Completing && nowMs - md.LastUpdateMs >= _idExpirationMs).ToList();
        foreach (var md in expired)
        {
            fx.Records.Add(TransactionRecords.Tombstone(md.TransactionalId));
            _byId.Remove(md.TransactionalId);
            _byProducerId.TryRemove(md.ProducerId, out _);
        }
        return fx.Result(expired.Count);
    }

    /// <summary>
    /// InitProducerId with a transactional id: a new id, or the existing one with a bumped epoch (fencing older
    /// producers). An open transaction is aborted first: the result then carries its markers, and the answer comes from
    /// <see cref="FinishInitProducerId"/> after <see cref="CompleteTransaction"/>.
    /// </summary>
    public TransactionResult<ProducerIdAndEpoch> InitProducerId(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch, long nowMs)
    {
        var fx = new TransactionEffects();
        if (timeoutMs <= 0 || timeoutMs > _maxTimeoutMs) return fx.Result(new ProducerIdAndEpoch(ErrorCode.InvalidTransactionTimeout, -1, -1));
        if (!_byId.TryGetValue(transactionalId, out var md))
        {
            md = new TransactionMetadata { TransactionalId = transactionalId, ProducerId = _ids.Next(), ProducerEpoch = 0, TimeoutMs = timeoutMs, State = TransactionState.Empty };
            _byId[transactionalId] = md;
            _byProducerId[md.ProducerId] = md;
            Persist(md, nowMs, fx);
            return fx.Result(new ProducerIdAndEpoch(ErrorCode.None, md.ProducerId, md.ProducerEpoch));
        }
        if (md.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return fx.Result(new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1));
        if (expectedProducerId >= 0 && (expectedProducerId != md.ProducerId || expectedEpoch != md.ProducerEpoch))
        {
            return fx.Result(new ProducerIdAndEpoch(ErrorCode.ProducerFenced, -1, -1));
        }
        BumpEpoch(md);
        md.TimeoutMs = timeoutMs;
        if (md.State == TransactionState.Ongoing)
        {
            BeginCompletion(md, commit: false, nowMs, fx);
            return fx.Result(new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1));
        }
        ResetToEmpty(md);
        Persist(md, nowMs, fx);
        return fx.Result(new ProducerIdAndEpoch(ErrorCode.None, md.ProducerId, md.ProducerEpoch));
    }

    /// <summary>The answer of an InitProducerId that aborted an open transaction, once its abort completed: Empty at the bumped epoch.</summary>
    public TransactionResult<ProducerIdAndEpoch> FinishInitProducerId(MarkerJob job, long nowMs)
    {
        var fx = new TransactionEffects();
        var md = job.Metadata;
        if (md.State != TransactionState.CompleteAbort || !IsCurrent(md)) return fx.Result(new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1));
        ResetToEmpty(md);
        Persist(md, nowMs, fx);
        return fx.Result(new ProducerIdAndEpoch(ErrorCode.None, md.ProducerId, md.ProducerEpoch));
    }

    /// <summary>
    /// AddPartitionsToTxn: adds partitions to the producer's transaction, starting it if none is open.
    /// <paramref name="transactionVersion"/> is the client's transaction.version (2: added implicitly by Produce v12+,
    /// the transaction then bumps its epoch when it ends).
    /// </summary>
    public TransactionResult<ErrorCode> AddPartitions(string transactionalId, long producerId, short epoch, IReadOnlyCollection<TopicPartition> partitions,
        short transactionVersion, long nowMs)
    {
        var fx = new TransactionEffects();
        var error = Validate(transactionalId, producerId, epoch, out var md);
        if (error != ErrorCode.None) return fx.Result(error);
        if (md!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return fx.Result(ErrorCode.ConcurrentTransactions);
        bool changed = Begin(md, nowMs);
        foreach (var p in partitions) changed |= md.Partitions.Add(p);
        if (changed)
        {
            md.ClientTransactionVersion = transactionVersion;
            Persist(md, nowMs, fx);
        }
        return fx.Result(ErrorCode.None);
    }

    /// <summary>AddOffsetsToTxn (or TxnOffsetCommit v5+ implicitly): the group's offsets will be committed or dropped with the transaction.</summary>
    public TransactionResult<ErrorCode> AddOffsets(string transactionalId, long producerId, short epoch, string groupId, short transactionVersion, long nowMs)
    {
        var fx = new TransactionEffects();
        var error = Validate(transactionalId, producerId, epoch, out var md);
        if (error != ErrorCode.None) return fx.Result(error);
        if (md!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return fx.Result(ErrorCode.ConcurrentTransactions);
        bool changed = Begin(md, nowMs) | md.Groups.Add(groupId);
        if (changed)
        {
            md.ClientTransactionVersion = transactionVersion;
            Persist(md, nowMs, fx);
        }
        return fx.Result(ErrorCode.None);
    }

    /// <summary>TxnOffsetCommit: records offsets in the open transaction (persisted with it); they reach the group when it commits.</summary>
    public TransactionResult<ErrorCode> AddTxnOffsets(string transactionalId, long producerId, short epoch, string groupId, IReadOnlyCollection<PendingTxnOffset> offsets, long nowMs)
    {
        var fx = new TransactionEffects();
        var error = Validate(transactionalId, producerId, epoch, out var md);
        if (error != ErrorCode.None) return fx.Result(error);
        if (md!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) return fx.Result(ErrorCode.ConcurrentTransactions);
        if (md.State != TransactionState.Ongoing || !md.Groups.Contains(groupId)) return fx.Result(ErrorCode.InvalidTxnState);
        foreach (var o in offsets) md.PendingOffsets[(groupId, o.Topic, o.Partition)] = o;
        Persist(md, nowMs, fx);
        return fx.Result(ErrorCode.None);
    }

    /// <summary>AddPartitionsToTxn v4+ verify-only: is each partition part of the producer's open transaction.</summary>
    public ErrorCode VerifyPartition(string transactionalId, long producerId, short epoch, TopicPartition partition)
    {
        var error = Validate(transactionalId, producerId, epoch, out var md);
        if (error != ErrorCode.None) return error;
        return md!.State == TransactionState.Ongoing && md.Partitions.Contains(partition) ? ErrorCode.None : ErrorCode.InvalidTxnState;
    }

    /// <summary>TxnOffsetCommit: the producer must have an open transaction that added the group.</summary>
    public ErrorCode VerifyGroup(string transactionalId, long producerId, short epoch, string groupId)
    {
        var error = Validate(transactionalId, producerId, epoch, out var md);
        if (error != ErrorCode.None) return error;
        return md!.State == TransactionState.Ongoing && md.Groups.Contains(groupId) ? ErrorCode.None : ErrorCode.InvalidTxnState;
    }

    /// <summary>Whether a transaction holds an uncommitted offset for the group's partition (OffsetFetch require_stable).</summary>
    public bool HasPendingOffset(string groupId, string topic, int partition)
    {
        foreach (var md in _byId.Values)
        {
            if (md.PendingOffsets.Count > 0 && md.PendingOffsets.ContainsKey((groupId, topic, partition))) return true;
        }
        return false;
    }

    /// <summary>
    /// The produce-path check, lock-free on the published (durable) view: a transactional batch must belong to an open
    /// transaction of this producer epoch that includes the partition. Called under the partition's producer-state
    /// lock, so a marker cannot be written between this check and the append.
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

    /// <summary>EndTxn (v0-4): commits or aborts the open transaction; the result carries its markers.</summary>
    public TransactionResult<ErrorCode> EndTransaction(string transactionalId, long producerId, short epoch, bool commit, long nowMs)
    {
        var fx = new TransactionEffects();
        var error = Validate(transactionalId, producerId, epoch, out var md);
        if (error != ErrorCode.None) return fx.Result(error);
        switch (md!.State)
        {
            case TransactionState.Ongoing:
                BeginCompletion(md, commit, nowMs, fx);
                return fx.Result(ErrorCode.None);
            case TransactionState.CompleteCommit:
                return fx.Result(commit ? ErrorCode.None : ErrorCode.InvalidTxnState);
            case TransactionState.CompleteAbort:
                return fx.Result(commit ? ErrorCode.InvalidTxnState : ErrorCode.None);
            case TransactionState.PrepareCommit:
            case TransactionState.PrepareAbort:
                return fx.Result(ErrorCode.ConcurrentTransactions);
            default:
                return fx.Result(ErrorCode.InvalidTxnState);
        }
    }

    /// <summary>The timeout tick: aborts (with an epoch bump that fences the producer) every transaction open longer than its timeout.</summary>
    public TransactionResult<int> AbortExpired(long nowMs)
    {
        var fx = new TransactionEffects();
        foreach (var md in _byId.Values.ToList())
        {
            if (md.State == TransactionState.Ongoing && md.StartTimeMs >= 0 && nowMs - md.StartTimeMs > md.TimeoutMs)
            {
                // Kafka fences, then (TV2) bumps again for the abort: the producer's retry of EndTxn with its own
                // epoch is then not taken for a retry of a completed call, and it is fenced.
                if (md.ClientTransactionVersion >= 2) md.ProducerEpoch = (short)Math.Min(md.ProducerEpoch + 2, short.MaxValue);
                else BumpEpoch(md);
                BeginCompletion(md, commit: false, nowMs, fx);
            }
        }
        return fx.Result(fx.Markers.Count);
    }

    /// <summary>The markers of transactions left in PrepareCommit/PrepareAbort (by a crash, or a failed marker write); nothing to persist.</summary>
    public TransactionResult<int> Recover()
    {
        var fx = new TransactionEffects();
        foreach (var md in _byId.Values)
        {
            if (md.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort && !md.Completing)
            {
                md.Completing = true;
                fx.Markers.Add(Job(md, md.State == TransactionState.PrepareCommit));
            }
        }
        return fx.Result(fx.Markers.Count);
    }

    /// <summary>
    /// After the markers of <paramref name="job"/> are durable: Prepare* becomes Complete* (a TV2 transaction that used up
    /// its epochs moves to its reserved producer id). Answers the producer id and epoch to go on with.
    /// </summary>
    public TransactionResult<ProducerIdAndEpoch> CompleteTransaction(MarkerJob job, long nowMs)
    {
        var fx = new TransactionEffects();
        var md = job.Metadata;
        md.Completing = false;
        var prepared = job.Commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
        if (md.State != prepared || !IsCurrent(md)) return fx.Result(new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1));
        md.State = job.Commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
        if (md.NextProducerId >= 0) RotateProducerId(md);
        md.Partitions.Clear();
        md.Groups.Clear();
        md.PendingOffsets.Clear();
        Persist(md, nowMs, fx);
        return fx.Result(new ProducerIdAndEpoch(ErrorCode.None, md.ProducerId, md.ProducerEpoch));
    }

    /// <summary>The markers of <paramref name="job"/> could not be written: the transaction stays in Prepare* for the next <see cref="Recover"/>.</summary>
    public void MarkersFailed(MarkerJob job) => job.Metadata.Completing = false;

    public TransactionDescription? Describe(string transactionalId) => _byId.TryGetValue(transactionalId, out var md) ? Describe(md) : null;

    public List<TransactionDescription> List() => _byId.Values.Select(Describe).ToList();

    /// <summary>The transactional id a producer id belongs to, if any (lock-free).</summary>
    public string? TransactionalIdOf(long producerId) => _byProducerId.TryGetValue(producerId, out var md) ? md.TransactionalId : null;

    private static TransactionDescription Describe(TransactionMetadata md) =>
        new(md.TransactionalId, md.ProducerId, md.ProducerEpoch, md.State, md.TimeoutMs, md.StartTimeMs, md.Partitions.ToList());

    /// <summary>Whether <paramref name="md"/> is still the state of its id (not expired and re-created meanwhile).</summary>
    private bool IsCurrent(TransactionMetadata md) => _byId.TryGetValue(md.TransactionalId, out var now) && ReferenceEquals(now, md);

    private static MarkerJob Job(TransactionMetadata md, bool commit) =>
        new(md.TransactionalId, commit, md.ProducerId, md.ProducerEpoch, md.Partitions.ToList(), md.PendingOffsets.Values.ToList()) { Metadata = md };

    private static void BeginCompletion(TransactionMetadata md, bool commit, long nowMs, TransactionEffects fx)
    {
        md.State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
        md.Completing = true;
        Persist(md, nowMs, fx);
        fx.Markers.Add(Job(md, commit));
    }

    private ErrorCode Validate(string transactionalId, long producerId, short epoch, out TransactionMetadata? md)
    {
        if (!_byId.TryGetValue(transactionalId, out md) || md.ProducerId != producerId) return ErrorCode.InvalidProducerIdMapping;
        if (epoch != md.ProducerEpoch) return ErrorCode.ProducerFenced;
        return ErrorCode.None;
    }

    /// <summary>Moves a finished or empty transaction to Ongoing; true when that changed anything.</summary>
    private static bool Begin(TransactionMetadata md, long nowMs)
    {
        if (md.State == TransactionState.Ongoing) return false;
        md.State = TransactionState.Ongoing;
        md.StartTimeMs = nowMs;
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

    private static void ResetToEmpty(TransactionMetadata md)
    {
        md.State = TransactionState.Empty;
        md.StartTimeMs = -1;
        md.Partitions.Clear();
        md.Groups.Clear();
        md.PendingOffsets.Clear();
    }

    /// <summary>Records the change and the publication of its view, which the caller runs once the record is durable.</summary>
    private static void Persist(TransactionMetadata md, long nowMs, TransactionEffects fx)
    {
        md.LastUpdateMs = nowMs;
        fx.Records.Add(TransactionRecords.Of(md));
        var view = md.CurrentView();
        fx.Completions.Add(() => md.Publish(view));
    }
}
