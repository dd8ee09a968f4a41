using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Transactions;

/// <summary>
/// Owns the <see cref="TransactionCoordinator"/>: reads the clock, serializes calls under one lock, queues each call's
/// records in call order (<see cref="TransactionStateLog"/>), then — outside the lock — waits until they are durable
/// on the metadata store (group commit: callers waiting together share one append and fsync), publishes the new state
/// and only then answers. A commit or abort persists Prepare*, writes the markers (no lock held), then persists
/// Complete*. At construction the state is rebuilt by replaying the records; a transactions.log of the JSON era is
/// imported once (and kept renamed, see <see cref="LegacyMetadataFile"/>).
/// Lock order: this lock → the producer-id manager's lock (a new id block is appended under it, once per 1000 ids);
/// markers never run under it; the state log's flush lock is taken with this lock released.
/// </summary>
public sealed class TransactionCoordinatorService
{
    private readonly Lock _lock = new();
    private readonly TransactionCoordinator _coordinator;
    private readonly TransactionStateLog _log;
    private readonly ITransactionMarkerWriter _markers;
    private readonly TimeProvider _time;

    /// <param name="legacyDataDir">The data directory whose transactions.log is imported once; null for none.</param>
    public TransactionCoordinatorService(IMetadataStore store, ProducerIdManager ids, ITransactionMarkerWriter markers, TimeProvider time, int maxTimeoutMs,
        long transactionalIdExpirationMs = 604_800_000, string? legacyDataDir = null)
    {
        _markers = markers;
        _time = time;
        _coordinator = new TransactionCoordinator(ids, maxTimeoutMs, transactionalIdExpirationMs);
        _log = new TransactionStateLog(store, _coordinator.Replay);
        IReadOnlyList<MetadataRecord>? imported = null;
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyTransactionLog.FileName, _log.ReplayedAny, path => imported = LegacyTransactionLog.Read(path));
        if (imported is not null) _coordinator.Replay(imported);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Runs one operation under the lock and queues its records; then waits (lock released) until they are durable and published.</summary>
    private TransactionResult<T> Execute<T>(Func<TransactionCoordinator, long, TransactionResult<T>> operation)
    {
        long now = NowMs;
        TransactionResult<T> result;
        TransactionStateLog.Pending pending;
        lock (_lock)
        {
            result = operation(_coordinator, now);
            pending = _log.Enqueue(result.Records, result.Completions);
        }
        _log.WaitDurable(pending);
        return result;
    }

    private T Read<T>(Func<TransactionCoordinator, T> query)
    {
        lock (_lock) return query(_coordinator);
    }

    /// <summary>Writes a job's markers (no lock held) and persists Complete*; null when the markers could not be written (Prepare* stays for the next tick).</summary>
    private async Task<ProducerIdAndEpoch?> CompleteAsync(MarkerJob job, Func<TransactionCoordinator, MarkerJob, long, TransactionResult<ProducerIdAndEpoch>>? after = null)
    {
        try
        {
            await _markers.WriteMarkersAsync(job.ProducerId, job.Epoch, job.Commit, job.Partitions, job.Offsets).ConfigureAwait(false);
        }
        catch (IOException)
        {
            lock (_lock) _coordinator.MarkersFailed(job);
            return null;
        }
        var completed = Execute((c, now) =>
        {
            var done = c.CompleteTransaction(job, now);
            if (after is null || done.Response.Error != ErrorCode.None) return done;
            var next = after(c, job, now);
            return next with { Records = [.. done.Records, .. next.Records], Completions = [.. done.Completions, .. next.Completions] };
        });
        return completed.Response;
    }

    /// <summary>InitProducerId with a transactional id: a new id, or the existing one with a bumped epoch (fencing older producers; an open transaction is aborted first).</summary>
    public async Task<ProducerIdAndEpoch> InitProducerIdAsync(string transactionalId, int timeoutMs, long expectedProducerId = -1, short expectedEpoch = -1)
    {
        var r = Execute((c, now) => c.InitProducerId(transactionalId, timeoutMs, expectedProducerId, expectedEpoch, now));
        if (r.Markers.Count == 0) return r.Response;
        return await CompleteAsync(r.Markers[0], (c, job, now) => c.FinishInitProducerId(job, now)).ConfigureAwait(false)
            ?? new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1);
    }

    /// <summary>AddPartitionsToTxn: adds partitions to the producer's transaction (see <see cref="TransactionCoordinator.AddPartitions"/>); answers once durable.</summary>
    public ErrorCode AddPartitions(string transactionalId, long producerId, short epoch, IReadOnlyCollection<TopicPartition> partitions, short transactionVersion = 0) =>
        Execute((c, now) => c.AddPartitions(transactionalId, producerId, epoch, partitions, transactionVersion, now)).Response;

    /// <summary>Produce v12+: the partition joins the producer's transaction unless the published view already has it there (no lock then).</summary>
    public ErrorCode AddPartitionFromProduce(string transactionalId, long producerId, short epoch, string topic, int partition)
    {
        var tp = new TopicPartition(topic, partition);
        if (_coordinator.IsInTransaction(producerId, epoch, tp)) return ErrorCode.None;
        return Execute((c, now) => c.AddPartitionFromProduce(transactionalId, producerId, epoch, tp, now)).Response;
    }

    /// <summary>AddOffsetsToTxn (or TxnOffsetCommit v5+ implicitly).</summary>
    public ErrorCode AddOffsets(string transactionalId, long producerId, short epoch, string groupId, short transactionVersion = 0) =>
        Execute((c, now) => c.AddOffsets(transactionalId, producerId, epoch, groupId, transactionVersion, now)).Response;

    /// <summary>TxnOffsetCommit: records offsets in the open transaction; they reach the group when it commits.</summary>
    public ErrorCode AddTxnOffsets(string transactionalId, long producerId, short epoch, string groupId, IReadOnlyCollection<PendingTxnOffset> offsets) =>
        Execute((c, now) => c.AddTxnOffsets(transactionalId, producerId, epoch, groupId, offsets, now)).Response;

    public ErrorCode VerifyPartition(string transactionalId, long producerId, short epoch, TopicPartition partition) =>
        Read(c => c.VerifyPartition(transactionalId, producerId, epoch, partition));

    public ErrorCode VerifyGroup(string transactionalId, long producerId, short epoch, string groupId) =>
        Read(c => c.VerifyGroup(transactionalId, producerId, epoch, groupId));

    public bool HasPendingOffset(string groupId, string topic, int partition) => Read(c => c.HasPendingOffset(groupId, topic, partition));

    /// <summary>The produce-path check (lock-free, on the published view); see <see cref="TransactionCoordinator.VerifyProduce"/>.</summary>
    public ErrorCode VerifyProduce(long producerId, short epoch, string topic, int partition) => _coordinator.VerifyProduce(producerId, epoch, topic, partition);

    /// <summary>EndTxn v0-4: commits or aborts the open transaction; answers once every marker and Complete* are durable.</summary>
    public async Task<ErrorCode> EndTransactionAsync(string transactionalId, long producerId, short epoch, bool commit)
    {
        var r = Execute((c, now) => c.EndTransaction(transactionalId, producerId, epoch, commit, now));
        if (r.Markers.Count == 0) return r.Response;
        var done = await CompleteAsync(r.Markers[0]).ConfigureAwait(false);
        return done is { Error: ErrorCode.None } ? ErrorCode.None : ErrorCode.ConcurrentTransactions;
    }

    /// <summary>EndTxn v5: commits or aborts with the epoch bumped; answers the id and epoch the producer goes on with.</summary>
    public async Task<ProducerIdAndEpoch> EndTransactionBumpingEpochAsync(string transactionalId, long producerId, short epoch, bool commit)
    {
        var r = Execute((c, now) => c.EndTransactionBumpingEpoch(transactionalId, producerId, epoch, commit, now));
        if (r.Markers.Count == 0) return r.Response;
        return await CompleteAsync(r.Markers[0]).ConfigureAwait(false) ?? new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1);
    }

    /// <summary>The timeout tick: aborts every transaction open longer than its timeout; returns how many.</summary>
    public async Task<int> AbortExpiredAsync()
    {
        var r = Execute((c, now) => c.AbortExpired(now));
        foreach (var job in r.Markers) await CompleteAsync(job).ConfigureAwait(false);
        return r.Response;
    }

    /// <summary>Completes transactions left in PrepareCommit/PrepareAbort (by a crash, or a failed marker write).</summary>
    public async Task<int> RecoverAsync()
    {
        var r = Execute((c, _) => c.Recover());
        foreach (var job in r.Markers) await CompleteAsync(job).ConfigureAwait(false);
        return r.Response;
    }

    /// <summary>Forgets idle transactional ids (transactional.id.expiration.ms) with tombstones; returns how many.</summary>
    public int ExpireTransactionalIds() => Execute((c, now) => c.ExpireTransactionalIds(now)).Response;

    public TransactionDescription? Describe(string transactionalId) => Read(c => c.Describe(transactionalId));

    public List<TransactionDescription> List() => Read(c => c.List());

    /// <summary>The transactional id a producer id belongs to, if any (lock-free).</summary>
    public string? TransactionalIdOf(long producerId) => _coordinator.TransactionalIdOf(producerId);
}
