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
    /// Produce v12+: the partition joins the producer's transaction (starting one) unless it already belongs to it;
    /// the already-added case is answered from the published view without the lock.
    /// </summary>
    public ErrorCode AddPartitionFromProduce(string transactionalId, long producerId, short epoch, string topic, int partition)
    {
        var tp = new TopicPartition(topic, partition);
        if (_byProducerId.TryGetValue(producerId, out var known) && known.View is var view
            && view.ProducerId == producerId && view.ProducerEpoch == epoch && view.State == TransactionState.Ongoing && view.Partitions.Contains(tp))
        {
            return ErrorCode.None;
        }
        return AddPartitions(transactionalId, producerId, epoch, [tp], transactionVersion: 2);
    }

    /// <summary>
    /// EndTxn v5: commits or aborts, moving the producer to epoch + 1 (a new producer id with epoch 0 once the epochs are
    /// exhausted); the markers carry the new epoch. Answers once the markers are durable, with the id and epoch the
    /// producer continues with. An abort needs no open transaction (the producer may have sent nothing).
    /// </summary>
    public async Task<ProducerIdAndEpoch> EndTransactionBumpingEpochAsync(string transactionalId, long producerId, short epoch, bool commit)
    {
        Completion completion;
        lock (_lock)
        {
            if (!_byId.TryGetValue(transactionalId, out var md)) return new(ErrorCode.InvalidProducerIdMapping, -1, -1);
            bool retryOnOverflow = md.ProducerId != producerId && md.PreviousProducerId == producerId && epoch == short.MaxValue - 1 && md.ProducerEpoch == 0;
            bool retryOnBump = md.ProducerId == producerId && md.ProducerEpoch == epoch + 1;
            if (md.ProducerId != producerId && !retryOnOverflow) return new(ErrorCode.InvalidProducerIdMapping, -1, -1);
            bool validEpoch = md.State switch
            {
                TransactionState.PrepareCommit or TransactionState.PrepareAbort => retryOnBump,
                TransactionState.CompleteCommit or TransactionState.CompleteAbort => retryOnBump || retryOnOverflow || epoch == md.ProducerEpoch,
                _ => epoch == md.ProducerEpoch,
            };
            if (!validEpoch) return new(ErrorCode.ProducerFenced, -1, -1);
            bool retry = retryOnBump || retryOnOverflow;
            var done = new ProducerIdAndEpoch(ErrorCode.None, md.ProducerId, md.ProducerEpoch);
            var invalid = new ProducerIdAndEpoch(ErrorCode.InvalidTxnState, -1, -1);
            var concurrent = new ProducerIdAndEpoch(ErrorCode.ConcurrentTransactions, -1, -1);
            switch (md.State)
            {
                case TransactionState.Ongoing:
                    completion = BeginBumpedCompletion(md, commit);
                    break;
                case TransactionState.CompleteCommit when commit:
                case TransactionState.CompleteAbort when !commit && retry:
                    return retry ? done : invalid;
                case TransactionState.CompleteCommit or TransactionState.CompleteAbort or TransactionState.Empty when !commit && !retry:
                    completion = BeginBumpedCompletion(md, commit: false);
                    break;
                case TransactionState.PrepareCommit:
                    return commit ? concurrent : invalid;
                case TransactionState.PrepareAbort:
                    return commit ? invalid : concurrent;
                default:
                    return invalid;
            }
        }
        await CompleteAsync(completion).ConfigureAwait(false);
        lock (_lock)
        {
            var md = completion.Metadata;
            var expected = commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
            return md.State == expected ? new(ErrorCode.None, md.ProducerId, md.ProducerEpoch) : new(ErrorCode.ConcurrentTransactions, -1, -1);
        }
    }

    /// <summary>Prepare* with the epoch bumped (Kafka's prepareAbortOrCommit for TV2); a producer id for after it when the epochs run out.</summary>
    private Completion BeginBumpedCompletion(TransactionMetadata md, bool commit)
    {
        if (md.ProducerEpoch >= short.MaxValue - 1) md.NextProducerId = _ids.Next();
        // An abort at the last epoch (left there by a fence) completes without overflowing it.
        if (md.ProducerEpoch < short.MaxValue) md.ProducerEpoch++;
        md.ClientTransactionVersion = 2;
        if (md.StartTimeMs < 0) md.StartTimeMs = NowMs;
        return BeginCompletion(md, commit);
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
