using Chronik.Protocol.Records;

namespace Chronik.Cluster.Commit;

/// <summary>
/// One commit window as the PostgreSQL commit sees it: the object that was PUT (its key, the node that wrote it,
/// its size and creation time) and, per partition, the batches it holds, in the object's order.
/// </summary>
public sealed record CommitWindow(string ObjectKey, int NodeId, long ObjectSize, DateTimeOffset CreatedAt, IReadOnlyList<PartitionBatches> Partitions)
{
    /// <summary>How many batches the window holds over all its partitions.</summary>
    public int BatchCount => Partitions.Sum(p => p.Batches.Count);
}

/// <summary>One partition's batches in a commit window, in the order they were produced.</summary>
public sealed record PartitionBatches(Guid TopicId, int Partition, IReadOnlyList<CommitBatch> Batches);

/// <summary>
/// One produced record batch in the object: where it is (position, size), how many offsets it takes
/// (<see cref="LastOffsetDelta"/> + 1), its producer fields for the idempotence checks, and its timestamps.
/// With <see cref="LogAppendTime"/> the index's timestamp is the commit's log append time instead of <see cref="MaxTimestamp"/>.
/// </summary>
public sealed record CommitBatch(long Position, int Size, int LastOffsetDelta, int RecordCount, long MaxTimestamp,
    long ProducerId = -1, short ProducerEpoch = -1, int BaseSequence = -1, bool IsTransactional = false, bool LogAppendTime = false)
{
    /// <summary>The batch whose header is <paramref name="h"/>, stored at <paramref name="position"/> in the object.</summary>
    public static CommitBatch From(in RecordBatchHeader h, long position, bool logAppendTime = false) =>
        new(position, h.TotalSize, h.LastOffsetDelta, h.RecordCount, h.MaxTimestamp, h.ProducerId, h.ProducerEpoch, h.BaseSequence,
            h.IsTransactional, logAppendTime);

    /// <summary>The header fields the producer-state rules look at (Kafka's batch header, without the bytes).</summary>
    internal RecordBatchHeader Header(long effectiveMaxTimestamp) => new()
    {
        Magic = 2,
        Attributes = (short)((IsTransactional ? 0x10 : 0) | (LogAppendTime ? 0x08 : 0)),
        LastOffsetDelta = LastOffsetDelta,
        MaxTimestamp = effectiveMaxTimestamp,
        ProducerId = ProducerId,
        ProducerEpoch = ProducerEpoch,
        BaseSequence = BaseSequence,
        RecordCount = RecordCount,
    };
}
