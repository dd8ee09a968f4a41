using Chronik.Protocol.Messages;

namespace Chronik.Cluster.Commit;

/// <summary>
/// The answer for one batch: an error (no offsets, nothing indexed), or its base and last offset. A
/// <see cref="Duplicate"/> repeated one of the producer's last five batches and is answered with that batch's
/// original offsets; it got no new index row.
/// </summary>
public readonly record struct BatchCommitResult(ErrorCode Error, long BaseOffset, long LastOffset, bool Duplicate)
{
    internal static BatchCommitResult Refused(ErrorCode error) => new(error, -1, -1, false);
}

/// <summary>One partition's answers, in the window's batch order, with its log start offset and high watermark after the commit.</summary>
public sealed record PartitionCommitResult(Guid TopicId, int Partition, long LogStartOffset, long HighWatermark, IReadOnlyList<BatchCommitResult> Batches);

/// <summary>
/// The outcome of committing one window: per partition (in the window's order) and batch the answer, and the log
/// append time (PostgreSQL's clock, Unix ms) of the commit. <see cref="Replayed"/>: the window had been committed
/// already (an earlier attempt whose outcome was unknown), and these are that commit's stored answers.
/// </summary>
public sealed record WindowCommitResult(long LogAppendTime, bool Replayed, IReadOnlyList<PartitionCommitResult> Partitions);

/// <summary>The window cannot be committed: its object was claimed as an orphan (the commit came after the grace period).</summary>
public sealed class WindowCommitRefusedException(string message) : Exception(message);

/// <summary>PostgreSQL stayed unreachable (or kept failing transiently) for every attempt; the window's outcome is not known to be committed.</summary>
public sealed class WindowCommitUnavailableException(string message, Exception inner) : Exception(message, inner);
