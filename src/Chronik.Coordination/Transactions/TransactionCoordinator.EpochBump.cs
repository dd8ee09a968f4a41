using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Transactions;

/// <summary>
/// Transactions v2 (KIP-890 part 2, transaction.version 2): the partition leader adds a produced partition to the
/// transaction itself, and every commit or abort bumps the producer epoch, so a late batch of the previous transaction
/// is fenced instead of joining the next one. The per-state rules of EndTxn v5 follow Kafka's TransactionCoordinator
/// (endTransaction for TV2): an EndTxn with the epoch just before the current one is a retry of a completed call.
/// </summary>
public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// Produce v12+, lock-free on the published (durable) view: whether the partition already belongs to the producer's
    /// open transaction, so the produce needs no <see cref="AddPartitionFromProduce"/>.
    /// </summary>
    public bool IsInTransaction(long producerId, short epoch, TopicPartition partition) =>
        _byProducerId.TryGetValue(producerId, out var known) && known.View is var view
        && view.ProducerId == producerId && view.ProducerEpoch == epoch && view.State == TransactionState.Ongoing && view.Partitions.Contains(partition);

    /// <summary>Produce v12+: the partition joins the producer's transaction (starting one) unless it already belongs to it.</summary>
    public TransactionResult<ErrorCode> AddPartitionFromProduce(string transactionalId, long producerId, short epoch, TopicPartition partition, long nowMs) =>
        AddPartitions(transactionalId, producerId, epoch, [partition], transactionVersion: 2, nowMs);

    /// <summary>
    /// EndTxn v5: commits or aborts, moving the producer to epoch + 1 (a new producer id with epoch 0 once the epochs are
    /// exhausted); the markers carry the new epoch. With markers in the result the answer comes from
    /// <see cref="CompleteTransaction"/>: the id and epoch the producer continues with. An abort needs no open
    /// transaction (the producer may have sent nothing).
    /// </summary>
    public TransactionResult<ProducerIdAndEpoch> EndTransactionBumpingEpoch(string transactionalId, long producerId, short epoch, bool commit, long nowMs)
    {
        var fx = new TransactionEffects();
        if (!_byId.TryGetValue(transactionalId, out var md)) return fx.Result(new ProducerIdAndEpoch(ErrorCode.InvalidProducerIdMapping, -1, -1));
        bool retryOnOverflow = md.ProducerId != producerId && md.PreviousProducerId == producerId && epoch == short.MaxValue - 1 && md.ProducerEpoch == 0;
        bool retryOnBump = md.ProducerId == producerId && md.ProducerEpoch == epoch + 1;
        if (md.ProducerId != producerId && !retryOnOverflow) return fx.Result(new ProducerIdAndEpoch(ErrorCode.InvalidProducerIdMapping, -1, -1));
        bool validEpoch = md.State switch
        {
            TransactionState.PrepareCommit or TransactionState.PrepareAbort => retryOnBump,
            TransactionState.CompleteCommit or TransactionState.CompleteAbort => retryOnBump || retryOnOverflow || epoch == md.ProducerEpoch,
            _ => epoch == md.ProducerEpoch,
        };
        if (!validEpoch) return fx.Result(new ProducerIdAndEpoch(ErrorCode.ProducerFenced, -1, -1));
        bool retry = retryOnBump || retryOnOverflow;
        var done = new ProducerIdAndEpoch(ErrorCode.None, md.ProducerId, md.ProducerEpoch);
        var invalid = new ProducerIdAndEpoch(ErrorCode.InvalidTxnState, -1, -1);
        var concurrent = new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1);
        switch (md.State)
        {
            case TransactionState.Ongoing:
                BeginBumpedCompletion(md, commit, nowMs, fx);
                return fx.Result(concurrent);
            case TransactionState.CompleteCommit when commit:
            case TransactionState.CompleteAbort when !commit && retry:
                return fx.Result(retry ? done : invalid);
            case TransactionState.CompleteCommit or TransactionState.CompleteAbort or TransactionState.Empty when !commit && !retry:
                BeginBumpedCompletion(md, commit: false, nowMs, fx);
                return fx.Result(concurrent);
            case TransactionState.PrepareCommit:
                return fx.Result(commit ? concurrent : invalid);
            case TransactionState.PrepareAbort:
                return fx.Result(commit ? invalid : concurrent);
            default:
                return fx.Result(invalid);
        }
    }

    /// <summary>Prepare* with the epoch bumped (Kafka's prepareAbortOrCommit for TV2); a producer id for after it when the epochs run out.</summary>
    private void BeginBumpedCompletion(TransactionMetadata md, bool commit, long nowMs, TransactionEffects fx)
    {
        if (md.ProducerEpoch >= short.MaxValue - 1) md.NextProducerId = _ids.Next();
        // An abort at the last epoch (left there by a fence) completes without overflowing it.
        if (md.ProducerEpoch < short.MaxValue) md.ProducerEpoch++;
        md.ClientTransactionVersion = 2;
        if (md.StartTimeMs < 0) md.StartTimeMs = nowMs;
        BeginCompletion(md, commit, nowMs, fx);
    }

    /// <summary>Moves the transactional id to the producer id reserved at prepare time, at epoch 0.</summary>
    private void RotateProducerId(TransactionMetadata md)
    {
        _byProducerId.TryRemove(md.ProducerId, out _);
        md.PreviousProducerId = md.ProducerId;
        md.ProducerId = md.NextProducerId;
        md.ProducerEpoch = 0;
        md.NextProducerId = -1;
        _byProducerId[md.ProducerId] = md;
    }
}
