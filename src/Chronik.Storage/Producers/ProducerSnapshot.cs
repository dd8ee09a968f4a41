namespace Chronik.Storage;

/// <summary>One of a producer's latest batches in a snapshot: its sequence range and where it landed.</summary>
public readonly record struct ProducerSnapshotBatch(int FirstSequence, int LastSequence, long FirstOffset, int OffsetDelta, long Timestamp);

/// <summary>What a partition knew about one producer when the snapshot was taken (Kafka's ProducerStateEntry).</summary>
public sealed record ProducerSnapshotEntry(long ProducerId, short Epoch, int CoordinatorEpoch, long LastTimestamp,
    long CurrentTxnFirstOffset, IReadOnlyList<ProducerSnapshotBatch> Batches);

/// <summary>
/// The producer state of a partition as of <see cref="Offset"/>: it reflects every batch below that offset and
/// none at or above it, so recovery loads it and replays the log from <see cref="Offset"/> on.
/// </summary>
public sealed record ProducerSnapshot(long Offset, IReadOnlyList<ProducerSnapshotEntry> Producers);

/// <summary>
/// A transaction aborted in one partition (an entry of Kafka's <c>.txnindex</c>): its producer, first data offset,
/// the offset of its abort marker and the partition's last stable offset once it was aborted.
/// </summary>
public readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset, long LastStableOffset);

/// <summary>
/// The producer state that owns a partition's snapshots. The log calls <see cref="CaptureSnapshot"/> with no
/// storage lock held: soon after a segment roll, periodically and at clean shutdown.
/// </summary>
public interface IProducerSnapshotSource
{
    /// <summary>The state as of the current log end offset, taken atomically with respect to appends carrying producer ids.</summary>
    ProducerSnapshot CaptureSnapshot();
}
