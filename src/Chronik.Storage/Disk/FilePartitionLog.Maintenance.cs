namespace Chronik.Storage.Disk;

/// <summary>Opening with recovery, checkpoints, retention, DeleteRecords and closing.</summary>
internal sealed partial class FilePartitionLog
{
    private long _recoveryPoint;
    private long _lastCheckpointMs;
    private int _ticking;

    private FilePartitionLog(string dir, string topic, int partition, LogConfig config, GroupCommitFlusher flusher, StorageStats stats, TimeProvider time,
        FileHandleCache files, Action<FilePartitionLog> joinTicks)
    {
        _dir = dir;
        _files = files;
        _joinTicks = joinTicks;
        Topic = topic;
        Partition = partition;
        _config = config;
        _flusher = flusher;
        _stats = stats;
        _time = time;
        _segments = [];
    }

    private string LogStartOffsetPath => Path.Combine(_dir, SegmentFiles.LogStartOffsetFile);
    private string RecoveryPointPath => Path.Combine(_dir, SegmentFiles.RecoveryPointFile);

    /// <summary>
    /// Opens (creating if needed) the partition directory. Segments wholly below the recovery point are
    /// trusted; from the segment holding it onward every batch is verified and the log is cut at the first
    /// torn or corrupt one, dropping any later segments.
    /// </summary>
    /// <param name="joinTicks">Puts the log on the store's tick list (flush.ms, checkpoints, snapshots) when it has work there.</param>
    /// <param name="clean">How the last clean shutdown left this partition (from the store's clean-shutdown file), else null.</param>
    public static FilePartitionLog Open(string dir, string topic, int partition, LogConfig config, GroupCommitFlusher flusher, StorageStats stats, TimeProvider time,
        FileHandleCache files, Action<FilePartitionLog> joinTicks, CleanPartitionState? clean = null, bool dirExists = false)
    {
        if (!dirExists) Directory.CreateDirectory(dir);
        var log = new FilePartitionLog(dir, topic, partition, config, flusher, stats, time, files, joinTicks);
        log.Recover(clean);
        log.WantTicks();
        return log;
    }

    /// <summary>Joins the store's tick list unless already on it; called after every append.</summary>
    private void WantTicks()
    {
        if (Volatile.Read(ref _ticking) == 0 && Interlocked.Exchange(ref _ticking, 1) == 0) _joinTicks(this);
    }

    /// <summary>
    /// Nothing for the tick to do until the next append: everything is checkpointed and the producer snapshot is
    /// current. An idle partition is then off the tick list, so the flusher's tick costs nothing per idle partition.
    /// </summary>
    private bool IsQuiet
    {
        get
        {
            long leo = LogEndOffset;
            return _closed
                || (leo == Volatile.Read(ref _recoveryPoint) && !Volatile.Read(ref _snapshotDue)
                    && (Volatile.Read(ref _producerState) is null || leo == 0 || leo == Volatile.Read(ref _lastSnapshotOffset)));
        }
    }

    /// <summary>Flusher thread: leaves the tick list when quiet. An append racing with this either sees the flag
    /// cleared and joins again, or is seen by the second look, which keeps the log on the list.</summary>
    public bool TryLeaveTicks()
    {
        if (!IsQuiet) return false;
        Interlocked.Exchange(ref _ticking, 0);
        if (IsQuiet) return true;
        return Interlocked.Exchange(ref _ticking, 1) == 1; // 1: an append already joined again, so this entry may go
    }

    private void Recover(CleanPartitionState? clean)
    {
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (clean is { IsEmptyWithoutFiles: true })
        {
            OpenEmptyUntouched(clean.LogStart, nowMs);
            return;
        }
        // One listing serves all of recovery: segments, stray indexes, snapshots, checkpoint files, cleaner leftovers.
        var listing = PartitionDirListing.Read(_dir);
        if (listing.HasCleanerLeftovers)
        {
            CleanerSwap.Recover(_dir); // finish a committed cleaner swap or drop an unfinished clean, then look again
            listing = PartitionDirListing.Read(_dir);
            clean = null;
        }
        listing.DeleteStrayIndexes();
        if (clean is not null && !clean.Matches(listing)) clean = null;
        OpenedFromCleanShutdown = clean is not null;
        long startCheckpoint = clean?.LogStart ?? (listing.HasLogStartOffset ? Math.Max(0, CheckpointFile.Read(LogStartOffsetPath) ?? 0) : 0);
        long recoveryPoint = clean?.RecoveryPoint ?? (listing.HasRecoveryPoint ? CheckpointFile.Read(RecoveryPointPath) ?? 0 : 0);
        var bases = listing.Logs.Keys;
        var segments = new List<LogSegment>(bases.Count);
        for (int i = 0; i < bases.Count; i++)
        {
            var (size, ticks) = listing.Logs.Values[i];
            bool last = i == bases.Count - 1;
            bool hasTxnIndex = listing.TxnIndexes.Contains(bases[i]);
            if (last && clean is not null)
            {
                // Closed cleanly with the recovery point at the log end, and unchanged since: nothing past it to verify.
                var active = LogSegment.OpenClean(_dir, bases[i], _config.IndexIntervalBytes, _files, size, PartitionDirListing.TicksToUnixMs(ticks), hasTxnIndex,
                    listing.Indexes.Count > 0, clean.LogEnd, clean.MaxTimestamp, clean.OffsetOfMaxTimestamp);
                segments.Add(active);
                if (!active.IndexesIntact) active.RecoverFrom(recoveryPoint, _stats);
                break;
            }
            var segment = LogSegment.Open(_dir, bases[i], _config.IndexIntervalBytes, _files, size, PartitionDirListing.TicksToUnixMs(ticks), hasTxnIndex);
            segments.Add(segment);
            if (!last) segment.MarkSealed();
            if (!last && bases[i + 1] <= recoveryPoint)
            {
                segment.LoadTrusted(bases[i + 1], _stats);
                continue;
            }
            bool cut = segment.RecoverFrom(recoveryPoint, _stats);
            if (!last && (cut || segment.NextOffset > bases[i + 1]))
            {
                // Everything after a damaged segment is unreachable. A gap before the next segment is legal
                // (the cleaner removes whole batches); an overlap is not.
                for (int j = i + 1; j < bases.Count; j++) DeleteSegmentFiles(bases[j]);
                break;
            }
        }

        long leo = segments.Count > 0 ? segments[^1].NextOffset : startCheckpoint;
        if (segments.Count == 0 || startCheckpoint > leo)
        {
            // Empty, or every record was deleted before a crash lost the tail: restart at the start offset.
            bool filesMayExist = segments.Count > 0 || listing.Indexes.Count > 0;
            foreach (var s in segments) s.Delete();
            segments = [LogSegment.Create(_dir, startCheckpoint, _config.IndexIntervalBytes, nowMs, _files, filesMayExist)];
            leo = startCheckpoint;
        }
        if (segments[^1].Size > 0) segments[^1].FirstAppendMs = nowMs;
        _segments = [.. segments];
        _logEndOffset = leo;
        _highWatermark = leo;
        _logStartOffset = Math.Max(startCheckpoint, segments[0].BaseOffset);
        _recoveryPoint = Math.Min(recoveryPoint, leo);
        _lastCheckpointMs = nowMs;
        _lastFlushMs = nowMs;
        RecoverProducerFiles(listing, segments, _recoveryPoint, leo, _logStartOffset);
        _lastSnapshotMs = nowMs;
        Checkpoint();
        // Recovery read the tail of the log; an idle partition should hold no descriptor until it is used.
        foreach (var s in segments)
        {
            if (s.HandleOpen) s.CloseHandle();
        }
    }

    /// <summary>
    /// A partition that closed cleanly with no log file and no producer snapshot (never written, or emptied and rolled):
    /// nothing on disk to look at, so no I/O at all; the first append creates its files.
    /// </summary>
    private void OpenEmptyUntouched(long offset, long nowMs)
    {
        OpenedFromCleanShutdown = true;
        _segments = [LogSegment.Create(_dir, offset, _config.IndexIntervalBytes, nowMs, _files, filesMayExist: false)];
        _logEndOffset = offset;
        _highWatermark = offset;
        _logStartOffset = offset;
        _recoveryPoint = offset;
        _lastCheckpointMs = nowMs;
        _lastFlushMs = nowMs;
        _lastSnapshotMs = nowMs;
        _snapshots = ProducerSnapshotFiles.KnownEmpty(_dir);
    }

    private void DeleteSegmentFiles(long baseOffset)
    {
        File.Delete(SegmentFiles.LogPath(_dir, baseOffset));
        File.Delete(SegmentFiles.IndexPath(_dir, baseOffset));
        File.Delete(SegmentFiles.TimeIndexPath(_dir, baseOffset));
        File.Delete(SegmentFiles.TxnIndexPath(_dir, baseOffset));
    }

    /// <summary>
    /// Makes everything below the current LEO durable (log and index files) and records it as the recovery
    /// point, so the next start-up scans only what comes after.
    /// </summary>
    public void Checkpoint()
    {
        lock (_checkpointLock)
        {
            long leo;
            LogSegment[] segments;
            lock (_appendLock)
            {
                if (_closed) return;
                leo = _logEndOffset;
                segments = _segments;
            }
            leo = Math.Max(_recoveryPoint, Math.Min(leo, Volatile.Read(ref _recoveryPointCap)));
            if (leo == _recoveryPoint) return;
            foreach (var segment in segments)
            {
                if (segment.NextOffset <= _recoveryPoint && segment != segments[^1]) continue;
                if (!segment.TryAcquire()) continue;
                try
                {
                    _flusher.FsyncNow(segment);
                    segment.FlushIndexes();
                }
                finally
                {
                    segment.Release();
                }
            }
            CheckpointFile.Write(RecoveryPointPath, leo);
            _recoveryPoint = leo;
        }
    }

    /// <summary>Periodic work on the flusher thread: flush.ms; returns true when a checkpoint or a producer snapshot is due.</summary>
    public bool OnTick(long nowMs, long checkpointIntervalMs, long snapshotIntervalMs)
    {
        var config = Config;
        if (!config.SyncOnAppend && config.FlushIntervalMs != long.MaxValue && nowMs - _lastFlushMs >= config.FlushIntervalMs)
        {
            _lastFlushMs = nowMs;
            foreach (var segment in Volatile.Read(ref _segments))
            {
                if (!segment.IsFlushed) _flusher.FsyncNow(segment);
            }
        }
        if (SnapshotDue(nowMs, snapshotIntervalMs)) return true;
        if (nowMs - _lastCheckpointMs < checkpointIntervalMs) return false;
        _lastCheckpointMs = nowMs;
        return LogEndOffset != Volatile.Read(ref _recoveryPoint);
    }

    public DeleteRecordsResult DeleteRecordsBefore(long offset)
    {
        lock (_checkpointLock)
        {
            LogSegment[] removed;
            long start;
            lock (_appendLock)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                if (offset == -1) offset = _logEndOffset;
                if (offset < 0 || offset > _logEndOffset) return new DeleteRecordsResult(LogError.OffsetOutOfRange, _logStartOffset);
                if (offset <= _logStartOffset) return new DeleteRecordsResult(LogError.None, _logStartOffset);
                Volatile.Write(ref _logStartOffset, offset);
                int drop = 0;
                while (drop < _segments.Length - 1 && _segments[drop + 1].BaseOffset <= offset) drop++;
                removed = _segments[..drop];
                Volatile.Write(ref _segments, _segments[drop..]);
                start = offset;
            }
            CheckpointFile.Write(LogStartOffsetPath, start);
            foreach (var segment in removed) segment.Delete();
            if (removed.Length > 0) _snapshots.DeleteBelow(Volatile.Read(ref _segments)[0].BaseOffset);
            return new DeleteRecordsResult(LogError.None, start);
        }
    }

    public RetentionResult ApplyRetention(DateTimeOffset now)
    {
        lock (_checkpointLock)
        {
            LogSegment[] removed;
            long start;
            lock (_appendLock)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                var summaries = new SegmentSummary[_segments.Length];
                for (int i = 0; i < summaries.Length; i++) summaries[i] = _segments[i].Summary;
                int drop = RetentionPolicy.CountDeletable(summaries, _config, now.ToUnixTimeMilliseconds());
                if (drop == 0) return new RetentionResult(0, 0, _logStartOffset);
                removed = _segments[..drop];
                Volatile.Write(ref _segments, _segments[drop..]);
                start = Math.Max(_logStartOffset, _segments[0].BaseOffset);
                Volatile.Write(ref _logStartOffset, start);
            }
            CheckpointFile.Write(LogStartOffsetPath, start);
            long bytes = 0;
            foreach (var segment in removed)
            {
                bytes += segment.Size;
                segment.Delete();
            }
            _snapshots.DeleteBelow(Volatile.Read(ref _segments)[0].BaseOffset);
            return new RetentionResult(removed.Length, bytes, start);
        }
    }

    /// <summary>Clean shutdown: seal, fsync and checkpoint so the next open scans nothing.</summary>
    public void Close()
    {
        lock (_appendLock) _segments[^1].SealTimeIndex();
        if (!_closed) TakeProducerSnapshot();
        Checkpoint();
        lock (_checkpointLock)
        {
            LogSegment[] segments;
            lock (_appendLock)
            {
                if (_closed) return;
                _closed = true;
                segments = _segments;
            }
            foreach (var segment in segments)
            {
                // Index entries reach their files at checkpoints; one that found nothing new to record (the seal
                // entry just added, entries rebuilt at open) would leave them in memory only. An empty index of a
                // segment that was never rolled needs no file yet: the checkpoint after its roll creates it.
                try
                {
                    if (segment.HasUnwrittenIndexEntries) segment.FlushIndexes();
                }
                catch (IOException)
                {
                    // The next open rebuilds what is missing from the log.
                }
                segment.Release();
            }
        }
    }

    /// <summary>
    /// After <see cref="Close"/>: how it left the partition, for the store's clean-shutdown file; null when the next open
    /// must recover it (the final checkpoint did not reach the log end).
    /// </summary>
    public CleanPartitionState? DescribeClosed()
    {
        lock (_checkpointLock)
        {
            // A pending aborted-transaction index rebuild needs no say here: the open decides it from the snapshots and the
            // log start as before, and one held back by a marker past the recovery point keeps that point below the log end.
            if (!_closed || _recoveryPoint != _logEndOffset) return null;
            var last = _segments[^1];
            // An empty last segment counts as no file (none is needed to open it; a leftover empty one does no harm), which
            // spares 100,000 mostly empty partitions a stat each at shutdown.
            long ticks = last.Size == 0 ? -1 : PartitionDirListing.LastWriteTicksOf(SegmentFiles.LogPath(_dir, last.BaseOffset));
            if (ticks < 0 && last.Size > 0) return null;
            return new CleanPartitionState(_logStartOffset, _recoveryPoint, _logEndOffset, last.BaseOffset, ticks < 0 ? -1 : last.Size, ticks,
                last.MaxTimestamp, last.OffsetOfMaxTimestamp, _segments.Length == 1 && !_snapshots.MayHaveSnapshots);
        }
    }

    /// <summary>Whether the open trusted the store's clean-shutdown file for this partition (tests).</summary>
    internal bool OpenedFromCleanShutdown { get; private set; }

    /// <summary>The partition directory's name.</summary>
    public string DirName => Path.GetFileName(_dir);

    /// <summary>Closes without flushing and removes the partition directory.</summary>
    public void DeleteAll()
    {
        lock (_checkpointLock)
        {
            LogSegment[] segments;
            lock (_appendLock)
            {
                _closed = true;
                segments = _segments;
            }
            foreach (var segment in segments) segment.Delete();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
