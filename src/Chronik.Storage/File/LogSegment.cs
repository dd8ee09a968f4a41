using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.File;

/// <summary>
/// One <c>.log</c> file with its two indexes. The owning partition appends under its lock; readers use
/// positional reads bounded by <see cref="Size"/>, which is published only after the bytes are written.
/// Files close when the last reference (owner, readers, flusher) is released.
/// </summary>
internal sealed partial class LogSegment
{
    private readonly string _dir;
    private readonly SafeFileHandle _log;
    private readonly int _indexInterval;
    private long _size;
    private long _nextOffset;
    private long _flushedSize;
    private int _bytesSinceIndex;
    private int _queuedForFlush;
    private int _refs = 1;
    private bool _deleteOnClose;
    // ".cleaned" while the log cleaner builds this segment off to the side; "" once it is in place.
    private string _suffix;

    private LogSegment(string dir, long baseOffset, int indexInterval, long size, string suffix = "")
    {
        _dir = dir;
        _suffix = suffix;
        BaseOffset = baseOffset;
        _indexInterval = indexInterval;
        _log = SegmentFiles.OpenHandle(SegmentFiles.LogPath(dir, baseOffset) + suffix);
        _size = size < 0 ? RandomAccess.GetLength(_log) : size;
        _nextOffset = baseOffset;
        Index = OffsetIndex.Open(SegmentFiles.IndexPath(dir, baseOffset) + suffix, baseOffset, _size);
        TimeIndex = TimeIndex.Open(SegmentFiles.TimeIndexPath(dir, baseOffset) + suffix, baseOffset);
        TxnIndex = TransactionIndex.Open(SegmentFiles.TxnIndexPath(dir, baseOffset) + suffix);
    }

    public long BaseOffset { get; }
    public OffsetIndex Index { get; }
    public TimeIndex TimeIndex { get; }
    /// <summary>The aborted transactions whose abort marker is in this segment.</summary>
    public TransactionIndex TxnIndex { get; }

    /// <summary>Bytes readers may read: everything written and indexed.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>The offset after the last batch (the base offset when empty).</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    // Written under the partition lock only.
    public long MaxTimestamp { get; private set; } = -1;
    public long OffsetOfMaxTimestamp { get; private set; } = -1;
    /// <summary>Wall-clock ms of the first append since this process opened the segment (drives segment.ms).</summary>
    public long FirstAppendMs { get; set; } = -1;
    public long LastModifiedMs { get; private set; }

    /// <summary>A new, empty segment; leftover files with the same base offset are cut to zero.</summary>
    public static LogSegment Create(string dir, long baseOffset, int indexInterval, long nowMs)
    {
        var segment = new LogSegment(dir, baseOffset, indexInterval, 0) { LastModifiedMs = nowMs };
        RandomAccess.SetLength(segment._log, 0);
        segment.Index.TruncateFrom(long.MinValue);
        segment.TimeIndex.Clear();
        segment.TxnIndex.TruncateFrom(long.MinValue);
        return segment;
    }

    /// <summary>A new, empty segment written by the log cleaner under <c>&lt;base&gt;.log.cleaned</c> (and index files), not yet visible.</summary>
    public static LogSegment CreateCleaned(string dir, long baseOffset, int indexInterval)
    {
        var segment = new LogSegment(dir, baseOffset, indexInterval, 0, SegmentFiles.CleanedSuffix);
        RandomAccess.SetLength(segment._log, 0);
        segment.Index.TruncateFrom(long.MinValue);
        segment.TimeIndex.Clear();
        segment.TxnIndex.TruncateFrom(long.MinValue);
        return segment;
    }

    /// <summary>Records that the cleaned files were renamed to their final names (the open handles follow the rename).</summary>
    public void MarkRenamed() => _suffix = "";

    /// <summary>Opens an existing segment; <see cref="LoadTrusted"/> or <see cref="RecoverFrom"/> must follow.</summary>
    public static LogSegment Open(string dir, long baseOffset, int indexInterval)
    {
        var lastWrite = System.IO.File.GetLastWriteTimeUtc(SegmentFiles.LogPath(dir, baseOffset));
        return new LogSegment(dir, baseOffset, indexInterval, -1) { LastModifiedMs = new DateTimeOffset(lastWrite).ToUnixTimeMilliseconds() };
    }

    /// <summary>
    /// Writes the stamped batches at the end of the file with one positional write, then indexes them and
    /// publishes the new size. Caller holds the partition lock.
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, long nowMs)
    {
        long start = _size;
        RandomAccess.Write(_log, batches, start);
        long next = _nextOffset;
        for (int pos = 0; pos < batches.Length;)
        {
            var peek = BatchPeek.Read(batches[pos..]);
            Track(peek, start + pos);
            next = peek.LastOffset + 1;
            pos += peek.TotalSize;
        }
        if (FirstAppendMs < 0) FirstAppendMs = nowMs;
        LastModifiedMs = nowMs;
        Volatile.Write(ref _size, start + batches.Length);
        Volatile.Write(ref _nextOffset, next);
    }

    /// <summary>Kafka's indexing rule: an entry for the first batch after every IndexIntervalBytes.</summary>
    private void Track(in BatchPeek batch, long position)
    {
        if (batch.MaxTimestamp > MaxTimestamp)
        {
            MaxTimestamp = batch.MaxTimestamp;
            OffsetOfMaxTimestamp = batch.BaseOffset;
        }
        if (_bytesSinceIndex >= _indexInterval && batch.BaseOffset > Index.LastOffset)
        {
            Index.Append(batch.BaseOffset, checked((int)position));
            if (MaxTimestamp >= 0) TimeIndex.MaybeAppend(MaxTimestamp, OffsetOfMaxTimestamp);
            _bytesSinceIndex = 0;
        }
        _bytesSinceIndex += batch.TotalSize;
    }

    /// <summary>Records the segment's largest timestamp in the time index once it stops being active.</summary>
    public void SealTimeIndex()
    {
        if (MaxTimestamp >= 0) TimeIndex.MaybeAppend(MaxTimestamp, OffsetOfMaxTimestamp);
    }

    public int ReadAt(long position, Span<byte> buffer) => RandomAccess.Read(_log, buffer, position);

    /// <summary>
    /// The batch that contains <paramref name="offset"/> (or the first after it), searching from the index
    /// floor; null when no such batch lies below <paramref name="sizeLimit"/>.
    /// </summary>
    public (long Position, BatchPeek Batch)? FindBatch(long offset, long sizeLimit)
    {
        long position = Index.Floor(offset).Position;
        Span<byte> header = stackalloc byte[BatchPeek.Size];
        while (position + BatchPeek.Size <= sizeLimit)
        {
            if (ReadAt(position, header) < header.Length) return null;
            var peek = BatchPeek.Read(header);
            if (peek.LastOffset >= offset) return (position, peek);
            position += peek.TotalSize;
        }
        return null;
    }

    /// <summary>Fsyncs the log file if it grew since the last fsync; true when an fsync happened.</summary>
    public bool FlushLog()
    {
        long size = Size;
        if (size == Volatile.Read(ref _flushedSize)) return false;
        FileSync.DataSync(_log);
        Volatile.Write(ref _flushedSize, size);
        return true;
    }

    public bool IsFlushed => Size == Volatile.Read(ref _flushedSize);

    public void FlushIndexes()
    {
        Index.Flush();
        TimeIndex.Flush();
        TxnIndex.Flush();
    }

    /// <summary>Marks the segment queued with the flusher; false when it already is.</summary>
    public bool TryMarkQueued() => Interlocked.Exchange(ref _queuedForFlush, 1) == 0;
    public void ClearQueued() => Volatile.Write(ref _queuedForFlush, 0);

    public bool TryAcquire()
    {
        int refs = Volatile.Read(ref _refs);
        while (refs > 0)
        {
            int seen = Interlocked.CompareExchange(ref _refs, refs + 1, refs);
            if (seen == refs) return true;
            refs = seen;
        }
        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        _log.Dispose();
        Index.Dispose();
        TimeIndex.Dispose();
        TxnIndex.Dispose();
        if (!_deleteOnClose) return;
        System.IO.File.Delete(SegmentFiles.LogPath(_dir, BaseOffset) + _suffix);
        System.IO.File.Delete(SegmentFiles.IndexPath(_dir, BaseOffset) + _suffix);
        System.IO.File.Delete(SegmentFiles.TimeIndexPath(_dir, BaseOffset) + _suffix);
        System.IO.File.Delete(SegmentFiles.TxnIndexPath(_dir, BaseOffset) + _suffix);
    }

    /// <summary>Drops the owner's reference; the files are deleted once in-flight readers finish.</summary>
    public void Delete()
    {
        _deleteOnClose = true;
        Release();
    }

    public SegmentSummary Summary =>
        new(BaseOffset, Size, MaxTimestamp >= 0 ? MaxTimestamp : LastModifiedMs);
}
