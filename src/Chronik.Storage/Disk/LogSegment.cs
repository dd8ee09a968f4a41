namespace Chronik.Storage.Disk;

/// <summary>
/// One <c>.log</c> file with its indexes. The owning partition appends under its lock; readers use
/// positional reads bounded by <see cref="Size"/>, which is published only after the bytes are written.
/// The log file's handle comes from the store's <see cref="FileHandleCache"/>: opened on first use, possibly
/// closed between uses. Once the segment stops being active (sealed) and its index files are synced, its
/// offset and time indexes are dropped from memory whenever its handle is evicted, and loaded again by the
/// next lookup. Files are deleted when the last reference (owner, readers, flusher) is released.
/// </summary>
internal sealed partial class LogSegment
{
    private readonly string _dir;
    private readonly CachedFile _log;
    private readonly int _indexInterval;
    private Indexes? _indexes;
    private long _size;
    private long _nextOffset;
    private long _flushedSize;
    private int _bytesSinceIndex;
    private int _refs = 1;
    private bool _deleteOnClose;
    private bool _sealed;
    private bool _retired;
    // ".cleaned" while the log cleaner builds this segment off to the side; "" once it is in place.
    private string _suffix;

    private sealed record Indexes(OffsetIndex Offsets, TimeIndex Times);

    private LogSegment(string dir, long baseOffset, int indexInterval, FileHandleCache files, string suffix, TransactionIndex txnIndex)
    {
        _dir = dir;
        _suffix = suffix;
        BaseOffset = baseOffset;
        _indexInterval = indexInterval;
        _log = files.Register(SegmentFiles.LogPath(dir, baseOffset) + suffix, DropIndexesIfIdle);
        _nextOffset = baseOffset;
        TxnIndex = txnIndex;
    }

    // No file is created until the first append needs one: an idle partition holds no descriptor. Leftover files
    // with the same base offset are cut to zero unless the caller's listing showed there are none.
    private static LogSegment CreateFresh(string dir, long baseOffset, int indexInterval, FileHandleCache files, string suffix, bool filesMayExist)
    {
        string logPath = SegmentFiles.LogPath(dir, baseOffset) + suffix;
        if (filesMayExist) IndexFile.Truncate(logPath, 0);
        var segment = new LogSegment(dir, baseOffset, indexInterval, files, suffix,
            TransactionIndex.CreateEmpty(SegmentFiles.TxnIndexPath(dir, baseOffset) + suffix, filesMayExist));
        segment._indexes = new Indexes(OffsetIndex.CreateEmpty(segment.IndexPath, baseOffset, filesMayExist),
            TimeIndex.CreateEmpty(segment.TimeIndexPath, baseOffset, filesMayExist));
        return segment;
    }

    private string IndexPath => SegmentFiles.IndexPath(_dir, BaseOffset) + _suffix;
    private string TimeIndexPath => SegmentFiles.TimeIndexPath(_dir, BaseOffset) + _suffix;
    private string TxnIndexPath => SegmentFiles.TxnIndexPath(_dir, BaseOffset) + _suffix;

    public long BaseOffset { get; }
    /// <summary>The offset index, loaded from its file if it was dropped (an IOException if that fails).</summary>
    public OffsetIndex Index => LoadedIndexes().Offsets;
    public TimeIndex TimeIndex => LoadedIndexes().Times;
    /// <summary>The aborted transactions whose abort marker is in this segment (always in memory: usually none).</summary>
    public TransactionIndex TxnIndex { get; }

    /// <summary>Whether the offset and time index files loaded whole (or the indexes are fresh): false means a rebuild is due.</summary>
    public bool IndexesIntact => Size == 0 || Volatile.Read(ref _indexes) is not { } i || (i.Offsets.LoadedIntact && i.Times.LoadedIntact && (i.Times.Count > 0 || Size == 0));

    /// <summary>Whether the offset and time indexes are in memory now (tests).</summary>
    public bool IndexesLoaded => Volatile.Read(ref _indexes) is not null;

    /// <summary>Whether the log file has an open handle now (tests).</summary>
    public bool HandleOpen => _log.IsOpen;

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

    /// <summary>A new, empty segment; leftover files with the same base offset are cut to zero (unless <paramref name="filesMayExist"/> is false: a listing showed none).</summary>
    public static LogSegment Create(string dir, long baseOffset, int indexInterval, long nowMs, FileHandleCache files, bool filesMayExist = true)
    {
        var segment = CreateFresh(dir, baseOffset, indexInterval, files, "", filesMayExist);
        segment.LastModifiedMs = nowMs;
        return segment;
    }

    /// <summary>A new, empty segment written by the log cleaner under <c>&lt;base&gt;.log.cleaned</c> (and index files), not yet visible.</summary>
    public static LogSegment CreateCleaned(string dir, long baseOffset, int indexInterval, FileHandleCache files) =>
        CreateFresh(dir, baseOffset, indexInterval, files, SegmentFiles.CleanedSuffix, filesMayExist: true);

    /// <summary>Records that the cleaned files were renamed to their final names, so later opens use those.</summary>
    public void MarkRenamed()
    {
        _suffix = "";
        _log.Path = SegmentFiles.LogPath(_dir, BaseOffset);
        if (Volatile.Read(ref _indexes) is { } indexes)
        {
            indexes.Offsets.Path = IndexPath;
            indexes.Times.Path = TimeIndexPath;
        }
        TxnIndex.Path = TxnIndexPath;
    }

    /// <summary>
    /// Opens an existing segment whose size and modification time the directory listing gave;
    /// <see cref="LoadTrusted"/> or <see cref="RecoverFrom"/> must follow.
    /// </summary>
    public static LogSegment Open(string dir, long baseOffset, int indexInterval, FileHandleCache files, long size, long lastWriteMs, bool hasTxnIndex)
    {
        string txnPath = SegmentFiles.TxnIndexPath(dir, baseOffset);
        var segment = new LogSegment(dir, baseOffset, indexInterval, files, "", hasTxnIndex ? TransactionIndex.Open(txnPath) : TransactionIndex.CreateEmpty(txnPath, probe: false))
        {
            LastModifiedMs = lastWriteMs,
        };
        segment._size = size;
        segment._indexes = new Indexes(OffsetIndex.Load(segment.IndexPath, baseOffset, size), TimeIndex.Load(segment.TimeIndexPath, baseOffset));
        return segment;
    }

    /// <summary>
    /// The active segment of a partition that shut down cleanly with its recovery point at its log end, as the store's
    /// clean-shutdown file describes it (and the listing confirmed: same size and modification time): nothing to verify
    /// and nothing to read from the log file. The indexes of a non-empty segment are loaded as at any open.
    /// </summary>
    public static LogSegment OpenClean(string dir, long baseOffset, int indexInterval, FileHandleCache files, long size, long lastWriteMs,
        bool hasTxnIndex, bool indexFilesMayExist, long nextOffset, long maxTimestamp, long offsetOfMaxTimestamp)
    {
        if (size == 0) return Create(dir, baseOffset, indexInterval, lastWriteMs, files, indexFilesMayExist);
        var segment = Open(dir, baseOffset, indexInterval, files, size, lastWriteMs, hasTxnIndex);
        segment._nextOffset = nextOffset;
        segment._flushedSize = size;
        segment.MaxTimestamp = maxTimestamp;
        segment.OffsetOfMaxTimestamp = offsetOfMaxTimestamp;
        return segment;
    }

    /// <summary>
    /// Writes the stamped batches at the end of the file with one positional write, then indexes them and
    /// publishes the new size. Caller holds the partition lock. A failed write (no space, no descriptor) throws
    /// IOException with nothing published: the file is cut back to the old size, so a later append overwrites
    /// what part of the batch reached it and a crash cannot resurrect it either.
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, long nowMs)
    {
        long start = _size;
        using (var lease = _log.Acquire())
        {
            try
            {
                RandomAccess.Write(lease.Handle, batches, start);
            }
            catch (IOException)
            {
                TryCut(lease, start);
                throw;
            }
        }
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

    private static void TryCut(CachedFile.Lease lease, long length)
    {
        try
        {
            if (RandomAccess.GetLength(lease.Handle) > length) RandomAccess.SetLength(lease.Handle, length);
        }
        catch (IOException)
        {
            // The next append writes at the same position anyway; recovery cuts what CRC-32C rejects.
        }
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
        Volatile.Write(ref _sealed, true);
    }

    /// <summary>Marks a segment that is not the active one (recovered below the last) so its indexes may be dropped.</summary>
    public void MarkSealed() => Volatile.Write(ref _sealed, true);

    public int ReadAt(long position, Span<byte> buffer)
    {
        using var lease = _log.Acquire();
        return RandomAccess.Read(lease.Handle, buffer, position);
    }

    /// <summary>
    /// The batch that contains <paramref name="offset"/> (or the first after it), searching from the index
    /// floor; null when no such batch lies below <paramref name="sizeLimit"/>.
    /// </summary>
    public (long Position, BatchPeek Batch)? FindBatch(long offset, long sizeLimit)
    {
        if (sizeLimit < BatchPeek.Size) return null;
        long position = Index.Floor(offset).Position;
        Span<byte> header = stackalloc byte[BatchPeek.Size];
        using var lease = _log.Acquire();
        while (position + BatchPeek.Size <= sizeLimit)
        {
            if (RandomAccess.Read(lease.Handle, header, position) < header.Length) return null;
            var peek = BatchPeek.Read(header);
            if (peek.LastOffset >= offset) return (position, peek);
            position += peek.TotalSize;
        }
        return null;
    }

    /// <summary>Closes the log file's handle until the next read or append needs it (after start-up recovery).</summary>
    public void CloseHandle() => _log.Evict();

    /// <summary>Creates the log file if no append has yet (a cleaned segment left empty must still replace its predecessor's file).</summary>
    public void EnsureFileExists()
    {
        using (_log.Acquire())
        {
        }
    }

    /// <summary>Fsyncs the log file if it grew since the last fsync; true when an fsync happened.</summary>
    public bool FlushLog()
    {
        long size = Size;
        if (size == Volatile.Read(ref _flushedSize)) return false;
        using (var lease = _log.Acquire()) FileSync.DataSync(lease.Handle);
        Volatile.Write(ref _flushedSize, size);
        return true;
    }

    public bool IsFlushed => Size == Volatile.Read(ref _flushedSize);

    /// <summary>Whether index entries are waiting to be written (an empty index whose file does not exist yet does not count).</summary>
    public bool HasUnwrittenIndexEntries =>
        (Volatile.Read(ref _indexes) is { } i && (i.Offsets.HasUnwritten || i.Times.HasUnwritten)) || !TxnIndex.IsSynced;

    /// <summary>Writes and fsyncs the index entries added since the last flush. Callers hold the partition's checkpoint lock.</summary>
    public void FlushIndexes()
    {
        if (Volatile.Read(ref _indexes) is { } indexes)
        {
            indexes.Offsets.Flush();
            indexes.Times.Flush();
        }
        TxnIndex.Flush();
        if (!_log.IsOpen) DropIndexesIfIdle();
    }

    private Indexes LoadedIndexes() => Volatile.Read(ref _indexes) ?? LoadIndexes();

    // A sealed segment's files do not change any more, so two racing loads read the same entries; one wins.
    private Indexes LoadIndexes()
    {
        long size = Size;
        var loaded = new Indexes(OffsetIndex.Load(IndexPath, BaseOffset, size), TimeIndex.Load(TimeIndexPath, BaseOffset));
        if (!loaded.Offsets.LoadedIntact || !loaded.Times.LoadedIntact || (loaded.Times.Count == 0 && size > 0))
            loaded = RebuildIndexes(size);
        return Interlocked.CompareExchange(ref _indexes, loaded, null) ?? loaded;
    }

    /// <summary>Drops a sealed segment's offset and time indexes when their files hold every entry (runs as the cache evicts the handle).</summary>
    private void DropIndexesIfIdle()
    {
        if (!Volatile.Read(ref _sealed) || Volatile.Read(ref _retired)) return;
        var indexes = Volatile.Read(ref _indexes);
        if (indexes is null || !indexes.Offsets.IsSynced || !indexes.Times.IsSynced) return;
        Interlocked.CompareExchange(ref _indexes, null, indexes);
    }

    /// <summary>
    /// The log cleaner is about to rename a cleaned file over this segment's name or delete its files: keep its
    /// handle and indexes for the readers that still hold it, so nothing is opened by name again.
    /// </summary>
    public void Retire()
    {
        Volatile.Write(ref _retired, true);
        _ = LoadedIndexes();
        _log.Pin();
    }

    /// <summary>Marks the segment queued with the flusher; false when it already is.</summary>

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
        _log.Close();
        if (!_deleteOnClose) return;
        File.Delete(SegmentFiles.LogPath(_dir, BaseOffset) + _suffix);
        File.Delete(IndexPath);
        File.Delete(TimeIndexPath);
        File.Delete(TxnIndexPath);
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
