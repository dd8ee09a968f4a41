namespace Chronik.Coordination.Transactions;

/// <summary>Writes the commit or abort markers of a transaction to its partitions and completes its offsets; completes when durable.</summary>
public interface ITransactionMarkerWriter
{
    Task WriteMarkersAsync(long producerId, short producerEpoch, bool commit, IReadOnlyCollection<TopicPartition> partitions, IReadOnlyCollection<PendingTxnOffset> offsets);
}
