using Chronik.Protocol.Messages;

namespace Chronik.Cluster.Produce;

/// <summary>
/// The answer to one produced batch once its window is committed (or failed): an error with no offsets, or the offsets
/// it got. <see cref="Duplicate"/>: a retry of one of the producer's last five batches, answered with its original offsets.
/// </summary>
public readonly record struct ProducedBatch(ErrorCode Error, long BaseOffset, long LastOffset, long LogAppendTime, long LogStartOffset, bool Duplicate, string? ErrorMessage = null);
