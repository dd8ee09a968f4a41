namespace Chronik.Storage.Memory;

/// <summary>An in-memory stand-in for a segment file: the batch bytes plus an exact index of every batch.</summary>
internal sealed class MemorySegment(long baseOffset, long nowMs)
{
    private byte[] _bytes = [];
    private readonly List<(long BaseOffset, long LastOffset, int Position)> _batches = [];

    public long BaseOffset { get; } = baseOffset;
    public int Size { get; private set; }
    public long NextOffset { get; private set; } = baseOffset;
    public long MaxTimestamp { get; private set; } = -1;
    public long OffsetOfMaxTimestamp { get; private set; } = -1;
    public long FirstAppendMs { get; private set; } = -1;
    public long LastModifiedMs { get; private set; } = nowMs;

    /// <summary>The aborted transactions whose abort marker is in this segment (the file log's <c>.txnindex</c>).</summary>
    public List<AbortedTransaction> Aborted { get; } = [];

    /// <summary>Adds an entry unless it is not after the last one (a rebuild meeting an entry already there).</summary>
    public void AddAborted(in AbortedTransaction e)
    {
        if (Aborted.Count == 0 || e.LastOffset > Aborted[^1].LastOffset) Aborted.Add(e);
    }

    public SegmentSummary Summary => new(BaseOffset, Size, MaxTimestamp >= 0 ? MaxTimestamp : LastModifiedMs);

    public void Append(ReadOnlySpan<byte> batches, long nowMs)
    {
        if (Size + batches.Length > _bytes.Length) Array.Resize(ref _bytes, Math.Max(Size + batches.Length, _bytes.Length * 2));
        batches.CopyTo(_bytes.AsSpan(Size));
        for (int pos = 0; pos < batches.Length;)
        {
            var batch = BatchPeek.Read(batches[pos..]);
            _batches.Add((batch.BaseOffset, batch.LastOffset, Size + pos));
            if (batch.MaxTimestamp > MaxTimestamp)
            {
                MaxTimestamp = batch.MaxTimestamp;
                OffsetOfMaxTimestamp = batch.BaseOffset;
            }
            NextOffset = batch.LastOffset + 1;
            pos += batch.TotalSize;
        }
        Size += batches.Length;
        if (FirstAppendMs < 0) FirstAppendMs = nowMs;
        LastModifiedMs = nowMs;
    }

    /// <summary>Byte position of the first batch whose last offset is at least <paramref name="offset"/>, or -1.</summary>
    public int PositionOf(long offset)
    {
        int lo = 0, hi = _batches.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_batches[mid].LastOffset >= offset) { found = mid; hi = mid - 1; }
            else lo = mid + 1;
        }
        return found < 0 ? -1 : _batches[found].Position;
    }

    public ReadOnlySpan<byte> From(int position) => _bytes.AsSpan(position, Size - position);

    /// <summary>The first batch at or after <paramref name="fromOffset"/> with max timestamp >= <paramref name="timestamp"/>.</summary>
    public TimestampAndOffset? FindByTimestamp(long timestamp, long fromOffset)
    {
        int position = PositionOf(fromOffset);
        if (position < 0) return null;
        for (var rest = From(position); !rest.IsEmpty;)
        {
            var batch = BatchPeek.Read(rest);
            if (batch.MaxTimestamp >= timestamp) return new TimestampAndOffset(batch.MaxTimestamp, Math.Max(batch.BaseOffset, fromOffset));
            rest = rest[batch.TotalSize..];
        }
        return null;
    }
}
