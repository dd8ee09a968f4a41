using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;
using Chronik.Storage;

namespace Chronik.Cluster.Commit;

/// <summary>A partitions row as the commit locked it.</summary>
internal readonly record struct PartitionRow(Guid TopicId, int Partition, long LogStartOffset, long HighWatermark, long MaxTimestamp);

/// <summary>One row of the batch index, as the commit inserts it.</summary>
internal readonly record struct IndexRow(long BaseOffset, long LastOffset, CommitBatch Batch, long MaxTimestamp, long TimestampHigh);

/// <summary>
/// The offsets of one partition's batches in a window, decided without PostgreSQL: each batch goes through the
/// single-node broker's producer-state rules (<see cref="ProducerStateTable.Check"/>, Kafka's ProducerAppendInfo:
/// an older epoch is fenced, one of the last five is a duplicate, a new epoch starts at 0, otherwise the sequence
/// follows), batches of one producer in one window see each other, and every accepted batch takes the next offsets
/// from the high watermark. A refused batch fails alone.
/// </summary>
internal sealed class PartitionAssignment
{
    private readonly ProducerStateTable _producers = new();
    private readonly HashSet<long> _touched = [];

    private PartitionAssignment(PartitionRow row) => Row = row;

    public PartitionRow Row { get; private set; }
    public List<BatchCommitResult> Results { get; } = [];
    public List<IndexRow> Index { get; } = [];

    /// <summary>The state of the producers the batches name, after the window (to be written back).</summary>
    public IEnumerable<ProducerEntry> ChangedProducers => _producers.Producers.Where(e => _touched.Contains(e.ProducerId));

    public static PartitionAssignment Run(PartitionRow row, IReadOnlyList<CommitBatch> batches, IReadOnlyList<ProducerSnapshotEntry> producers, long appendTime)
    {
        var a = new PartitionAssignment(row);
        a._producers.Load(new ProducerSnapshot(row.HighWatermark, producers));
        foreach (var batch in batches) a.Add(batch, appendTime);
        return a;
    }

    private void Add(CommitBatch batch, long appendTime)
    {
        long timestamp = batch.LogAppendTime ? appendTime : batch.MaxTimestamp;
        var h = batch.Header(timestamp);
        var check = _producers.Check(h);
        if (check.Error != ErrorCode.None)
        {
            Results.Add(BatchCommitResult.Refused(check.Error));
            return;
        }
        if (check.Duplicate is { } dup)
        {
            Results.Add(new BatchCommitResult(ErrorCode.None, dup.FirstOffset, dup.LastOffset, true));
            return;
        }
        var row = Row;
        long baseOffset = row.HighWatermark;
        long lastOffset = baseOffset + batch.LastOffsetDelta;
        long high = Math.Max(row.MaxTimestamp, timestamp);
        Row = row with { HighWatermark = lastOffset + 1, MaxTimestamp = high };
        Index.Add(new IndexRow(baseOffset, lastOffset, batch, timestamp, high));
        if (batch.ProducerId >= 0)
        {
            _producers.OnAppended(h, baseOffset);
            _touched.Add(batch.ProducerId);
        }
        Results.Add(new BatchCommitResult(ErrorCode.None, baseOffset, lastOffset, false));
    }
}
