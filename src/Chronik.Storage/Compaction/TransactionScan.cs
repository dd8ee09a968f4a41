using Chronik.Protocol.Records;

namespace Chronik.Storage.Compaction;

/// <summary>
/// First pass of a clean over the cleanable segments' batch headers (markers decoded): which transactional
/// ranges were aborted, which transactions are still open (the cleaner must stop before them), each
/// producer's last data batch (kept, possibly empty, so producer state survives a restart), and the first
/// batch timestamp of every segment (for max.compaction.lag.ms).
/// </summary>
internal sealed class TransactionScan
{
    private readonly Dictionary<long, List<(long First, long Marker)>> _aborted = [];
    private readonly Dictionary<long, long> _open = [];
    private readonly Dictionary<long, long> _lastBatch = [];

    /// <summary>First offset of the earliest transaction without a marker, or long.MaxValue.</summary>
    public long FirstUnstableOffset => _open.Count == 0 ? long.MaxValue : _open.Values.Min();

    public void Observe(ReadOnlySpan<byte> batch)
    {
        var h = RecordBatchHeader.Read(batch);
        if (h.ProducerId < 0) return;
        if (!h.IsControl)
        {
            _lastBatch[h.ProducerId] = h.BaseOffset;
            if (h.IsTransactional) _open.TryAdd(h.ProducerId, h.BaseOffset);
            return;
        }
        if (!h.IsTransactional || MarkerType(batch) is not { } type || !_open.Remove(h.ProducerId, out long first)) return;
        if (type != ControlRecordType.Abort) return;
        if (!_aborted.TryGetValue(h.ProducerId, out var ranges)) _aborted[h.ProducerId] = ranges = [];
        ranges.Add((first, h.BaseOffset));
    }

    /// <summary>Whether a transactional data batch of <paramref name="producerId"/> at <paramref name="offset"/> belongs to an aborted transaction.</summary>
    public bool IsAborted(long producerId, long offset)
    {
        if (!_aborted.TryGetValue(producerId, out var ranges)) return false;
        int lo = 0, hi = ranges.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ranges[mid].Marker < offset) lo = mid + 1;
            else if (ranges[mid].First > offset) hi = mid - 1;
            else return true;
        }
        return false;
    }

    /// <summary>Whether this batch is the last data batch of its producer seen by the scan.</summary>
    public bool IsLastBatchOfProducer(in RecordBatchHeader h) =>
        h.ProducerId >= 0 && _lastBatch.TryGetValue(h.ProducerId, out long last) && last == h.BaseOffset;

    /// <summary>The type of a control batch's first record when it is a transaction marker.</summary>
    public static ControlRecordType? MarkerType(ReadOnlySpan<byte> batch)
    {
        using var decoded = DecodedRecordBatch.Open(batch);
        foreach (var record in decoded)
        {
            if (ControlRecord.TryReadKey(record.Key, out _, out var type) && type is ControlRecordType.Abort or ControlRecordType.Commit) return type;
            return null;
        }
        return null;
    }
}
