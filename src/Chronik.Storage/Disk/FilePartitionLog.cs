using Chronik.Protocol.Records;

namespace Chronik.Storage.Disk;

// Lock order (take left before right, never the reverse):
//   FileLogStore._partitionsLock -> FilePartitionLog._checkpointLock -> FilePartitionLog._appendLock -> GroupCommitFlusher._gate
// - _appendLock serializes appends of one partition: stamp offsets, positional write, index update,
//   publish the new LEO. It also guards segment-list changes and timestamp lookups. Never fsync under it.
// - _checkpointLock serializes the slow, fsyncing maintenance of one partition (recovery-point and
//   log-start-offset checkpoints, deleting segment files); it takes _appendLock only briefly to snapshot.
// - Reads take no lock: they snapshot LEO, then the segment array, then a segment's Size, and pread
//   below that size. Each of these is published (Volatile.Write) only after the bytes behind it exist.
// - The flusher thread takes _gate only to swap its queue; fsyncs run with no lock held.
// - FileHandleCache._lock is a leaf: taken under any of these to open or evict a segment file, nothing under it.

/// <summary>A partition log on disk: a directory of segments, appended to by one writer at a time.</summary>
internal sealed partial class FilePartitionLog : IPartitionLog
{
    private readonly Lock _appendLock = new();
    private readonly Lock _checkpointLock = new();
    private readonly string _dir;
    private readonly GroupCommitFlusher _flusher;
    private readonly FileHandleCache _files;
    private readonly Action<FilePartitionLog> _joinTicks;
    private readonly StorageStats _stats;
    private readonly TimeProvider _time;
    private LogSegment[] _segments;
    private long _logEndOffset;
    private long _highWatermark;
    private long _logStartOffset;
    private LogConfig _config;
    private long _unflushedMessages;
    private long _lastFlushMs;
    private bool _closed;

    public string Topic { get; }
    public int Partition { get; }
    public LogConfig Config => Volatile.Read(ref _config);
    public long LogStartOffset => Volatile.Read(ref _logStartOffset);
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);
    /// <summary>
    /// The end of what consumers may read: with a flush before every ack (the default) the end of the durable
    /// prefix, advanced when a group commit covering an append completes — the one-node counterpart of Kafka's
    /// high watermark, which advances only once the ISR has a record. With the flush relaxed, the log end offset.
    /// </summary>
    public long HighWatermark => Volatile.Read(ref _highWatermark);
    public ReadableSignal Readable { get; } = new();
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>The segments now, oldest first (tests).</summary>
    internal IReadOnlyList<LogSegment> Segments => Volatile.Read(ref _segments);

    public long SizeInBytes
    {
        get
        {
            long total = 0;
            foreach (var segment in Volatile.Read(ref _segments)) total += segment.Size;
            return total;
        }
    }

    public void UpdateConfig(LogConfig config) => Volatile.Write(ref _config, config);

    public ValueTask<AppendResult> AppendAsync(Memory<byte> batches, AppendOptions options, CancellationToken cancellationToken = default) =>
        AppendCore(batches, options, null, cancellationToken);

    /// <summary>The append; <paramref name="aborted"/> (a marker's aborted transaction) goes into the txn index under the same lock.</summary>
    private ValueTask<AppendResult> AppendCore(Memory<byte> batches, AppendOptions options, AbortedTransaction? aborted, CancellationToken cancellationToken)
    {
        AppendResult result;
        LogSegment segment;
        bool wait, flushInBackground = false;
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var config = _config;
            long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            long appendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? nowMs : -1;
            var stamp = BatchStamper.Stamp(batches.Span, _logEndOffset, options.PartitionLeaderEpoch, appendTime, config.MaxMessageBytes);
            if (stamp.Error != LogError.None) return ValueTask.FromResult(AppendResult.Failed(stamp.Error, _logStartOffset));

            try
            {
                segment = ActiveSegmentFor(batches.Length, stamp.LastOffset, nowMs, config);
                segment.Append(batches.Span, nowMs);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No space or no descriptor: nothing was published (the LEO stays), so the producer may retry
                // and the next append, once the disk or the descriptors are back, goes where this one failed.
                _stats.RecordStorageError();
                return ValueTask.FromResult(AppendResult.Failed(LogError.StorageError, _logStartOffset));
            }
            if (aborted is { } a)
            {
                segment.TxnIndex.Append(a with { LastOffset = stamp.LastOffset, LastStableOffset = Math.Min(a.LastStableOffset, stamp.LastOffset + 1) });
            }
            Volatile.Write(ref _logEndOffset, stamp.LastOffset + 1);
            result = new AppendResult(LogError.None, stamp.BaseOffset, stamp.LastOffset, appendTime, _logStartOffset, stamp.BatchCount, stamp.RecordCount);

            wait = config.SyncOnAppend;
            if (!wait) Volatile.Write(ref _highWatermark, stamp.LastOffset + 1);
            if (!wait && config.FlushIntervalMessages != long.MaxValue)
            {
                _unflushedMessages += stamp.RecordCount;
                if (_unflushedMessages >= config.FlushIntervalMessages)
                {
                    _unflushedMessages = 0;
                    flushInBackground = true;
                }
            }
        }
        _stats.RecordAppend(batches.Length);
        WantTicks();
        if (!wait) Readable.Pulse();
        if (wait) return WaitForCommit(_flusher.Enqueue(segment, wait: true), result, cancellationToken);
        if (flushInBackground) _flusher.Enqueue(segment, wait: false);
        return ValueTask.FromResult(result);
    }

    private async ValueTask<AppendResult> WaitForCommit(Task commit, AppendResult result, CancellationToken cancellationToken)
    {
        try
        {
            await commit.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The waiter gave up, not the flush: the records still become readable when their round completes.
            long end = result.LastOffset + 1;
            _ = commit.ContinueWith(t => { if (t.IsCompletedSuccessfully) AdvanceHighWatermark(end); }, TaskScheduler.Default);
            throw;
        }
        AdvanceHighWatermark(result.LastOffset + 1);
        return result;
    }

    // Rounds complete in order, but their waiters resume on the thread pool in any order: keep the largest.
    private void AdvanceHighWatermark(long offset)
    {
        long current = Volatile.Read(ref _highWatermark);
        while (offset > current)
        {
            long seen = Interlocked.CompareExchange(ref _highWatermark, offset, current);
            if (seen == current)
            {
                Readable.Pulse();
                return;
            }
            current = seen;
        }
    }

    /// <summary>The segment the next append goes to, rolling by size, age or relative-offset overflow.</summary>
    private LogSegment ActiveSegmentFor(int bytes, long lastOffset, long nowMs, LogConfig config)
    {
        var active = _segments[^1];
        if (!SegmentRoll.ShouldRoll(active.Size, active.FirstAppendMs, active.BaseOffset, bytes, lastOffset, nowMs, config)) return active;

        // Created first: if that fails (no space, no descriptor) the active segment stays active, unsealed.
        var next = LogSegment.Create(_dir, _logEndOffset, config.IndexIntervalBytes, nowMs, _files);
        active.SealTimeIndex();
        Volatile.Write(ref _snapshotDue, true);
        Volatile.Write(ref _segments, [.. _segments, next]);
        return next;
    }

    public ReadResult Read(long offset, int maxBytes, long maxOffsetExclusive)
    {
        while (true)
        {
            long leo = LogEndOffset;
            long start = LogStartOffset;
            var segments = Volatile.Read(ref _segments);
            if (offset < start || offset > leo) return ReadResult.OutOfRange(leo, start, leo);
            long limit = Math.Min(maxOffsetExclusive, leo);
            if (offset >= limit) return ReadResult.Empty(leo, start, leo);

            // Retention may have dropped segments after LogStartOffset was read: that data is gone.
            if (offset < segments[0].BaseOffset) return ReadResult.OutOfRange(leo, LogStartOffset, leo);
            int index = FindSegment(segments, offset);
            var segment = segments[index];
            if (!segment.TryAcquire()) continue; // deleted by retention or replaced by the cleaner since the snapshot: look again
            PooledBuffer? lease = null;
            try
            {
                long size = segment.Size;
                if (segment.FindBatch(offset, size) is not var (position, first))
                {
                    // Nothing at or after the offset here: a compacted segment's tail (or an empty one); go on to the next.
                    if (index + 1 < segments.Length && segments[index + 1].BaseOffset < limit)
                    {
                        offset = segments[index + 1].BaseOffset;
                        continue;
                    }
                    return ReadResult.Empty(leo, start, leo);
                }
                if (first.LastOffset >= limit) return ReadResult.Empty(leo, start, leo);
                int want = (int)Math.Min(size - position, Math.Max(maxBytes, first.TotalSize));
                lease = new PooledBuffer(want);
                int read = segment.ReadAt(position, lease.Array.AsSpan(0, want));
                int length = ReadLimits.WholeBatches(lease.Array.AsSpan(0, read), maxBytes, limit);
                return new ReadResult(LogError.None, lease, length, leo, start, leo);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The file could not be opened (descriptors exhausted) or read: this partition answers KAFKA_STORAGE_ERROR.
                lease?.Dispose();
                _stats.RecordStorageError();
                return ReadResult.Failed(LogError.StorageError, leo, start, leo);
            }
            finally
            {
                segment.Release();
            }
        }
    }

    private static int FindSegment(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    public TimestampAndOffset? FindOffsetByTimestamp(long timestamp)
    {
        lock (_appendLock)
        {
            // Deleted (its segments are released once this lock is let go): as for appends, never a read of closed files.
            ObjectDisposedException.ThrowIf(_closed, this);
            long start = _logStartOffset;
            Span<byte> header = stackalloc byte[BatchPeek.Size];
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestamp < timestamp || segment.NextOffset <= start) continue;
                long scanFrom = Math.Max(segment.TimeIndex.ScanStartFor(timestamp), start);
                long size = segment.Size;
                for (long pos = segment.Index.Floor(scanFrom).Position; pos + BatchPeek.Size <= size;)
                {
                    segment.ReadAt(pos, header);
                    var batch = BatchPeek.Read(header);
                    if (batch.LastOffset >= start && batch.MaxTimestamp >= timestamp)
                        return new TimestampAndOffset(batch.MaxTimestamp, Math.Max(batch.BaseOffset, start));
                    pos += batch.TotalSize;
                }
            }
            return null;
        }
    }

    public TimestampAndOffset? GetMaxTimestamp()
    {
        lock (_appendLock)
        {
            TimestampAndOffset? best = null;
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.Value.Timestamp))
                    best = new TimestampAndOffset(segment.MaxTimestamp, Math.Max(segment.OffsetOfMaxTimestamp, _logStartOffset));
            }
            return best;
        }
    }

    public async ValueTask FlushAsync()
    {
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (!segment.IsFlushed) await _flusher.Enqueue(segment, wait: true).ConfigureAwait(false);
        }
        Checkpoint();
    }
}
