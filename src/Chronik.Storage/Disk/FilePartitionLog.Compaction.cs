using Chronik.Storage.Compaction;

namespace Chronik.Storage.Disk;

/// <summary>The log cleaner's hooks: segment snapshots and reads, cleaned segments off to the side, the swap.</summary>
internal sealed partial class FilePartitionLog : ICompactableLog
{
    private long _cleanerCheckpoint = -1;

    private string CleanerCheckpointPath => Path.Combine(_dir, SegmentFiles.CleanerCheckpointFile);

    public void PrepareForCleaning() => Checkpoint();

    public long CleanableLimit => Volatile.Read(ref _recoveryPoint);

    public long CleanerCheckpoint
    {
        get
        {
            long value = Volatile.Read(ref _cleanerCheckpoint);
            if (value >= 0) return value;
            value = CheckpointFile.Read(CleanerCheckpointPath) ?? 0;
            Volatile.Write(ref _cleanerCheckpoint, value);
            return value;
        }
        set
        {
            lock (_checkpointLock) CheckpointFile.Write(CleanerCheckpointPath, value);
            Volatile.Write(ref _cleanerCheckpoint, value);
        }
    }

    public IReadOnlyList<CleanerSegment> SnapshotSegments()
    {
        lock (_appendLock)
        {
            var list = new List<CleanerSegment>(_segments.Length);
            foreach (var s in _segments)
            {
                list.Add(new CleanerSegment(s.BaseOffset, s.Size, s.Summary.LargestTimestamp, s.LastModifiedMs, SegmentFiles.LogPath(_dir, s.BaseOffset)));
            }
            return list;
        }
    }

    public SegmentReader? OpenSegment(long baseOffset)
    {
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.BaseOffset == baseOffset) return segment.TryAcquire() ? new FileSegmentReader(segment) : null;
        }
        return null;
    }

    public CleanedSegment CreateCleanedSegment(long baseOffset, long lastModifiedMs) =>
        new FileCleanedSegment(LogSegment.CreateCleaned(_dir, baseOffset, Config.IndexIntervalBytes, _files), lastModifiedMs, _dir);

    public bool ReplaceSegments(IReadOnlyList<CleanedGroup> groups)
    {
        var plan = groups.Select(g => (g.Cleaned.BaseOffset, g.OldBases)).ToList();
        int replaced = groups.Sum(g => g.OldBases.Count);
        LogSegment[] old;
        lock (_checkpointLock)
        {
            lock (_appendLock)
            {
                if (_closed || !StartsWith(_segments, groups)) return Discard(groups);
                old = _segments[..replaced];
            }
            try
            {
                // Their names are about to be renamed over or deleted: readers still holding them keep these handles.
                foreach (var segment in old) segment.Retire();
            }
            catch (IOException)
            {
                return Discard(groups);
            }
            // Retention and DeleteRecords take _checkpointLock, so the prefix cannot change from here on;
            // appends only touch the active segment, which is never part of a clean.
            CleanerSwap.WriteManifest(_dir, plan);
            lock (_appendLock)
            {
                foreach (var g in groups)
                {
                    CleanerSwap.RenameIntoPlace(_dir, g.Cleaned.BaseOffset);
                    ((FileCleanedSegment)g.Cleaned).MarkSwapped();
                }
                var next = new LogSegment[groups.Count + _segments.Length - replaced];
                for (int i = 0; i < groups.Count; i++) next[i] = ((FileCleanedSegment)groups[i].Cleaned).Segment;
                Array.Copy(_segments, replaced, next, groups.Count, _segments.Length - replaced);
                Volatile.Write(ref _segments, next);
            }
            CleanerSwap.Finish(_dir, plan);
        }
        // Readers of the old segments keep their open handles (the renamed-over inodes) until they finish.
        foreach (var segment in old) segment.Release();
        return true;
    }

    private static bool StartsWith(LogSegment[] segments, IReadOnlyList<CleanedGroup> groups)
    {
        int i = 0;
        foreach (var g in groups)
        {
            foreach (long b in g.OldBases)
            {
                if (i >= segments.Length - 1 || segments[i].BaseOffset != b) return false;
                i++;
            }
        }
        return true;
    }

    private static bool Discard(IReadOnlyList<CleanedGroup> groups)
    {
        foreach (var g in groups) g.Cleaned.Dispose();
        return false;
    }

    /// <summary>Holds a reference on the segment for the cleaner's reads.</summary>
    private sealed class FileSegmentReader(LogSegment segment) : SegmentReader
    {
        private int _disposed;

        public override long Size => segment.Size;
        public override int ReadAt(long position, Span<byte> buffer) => segment.ReadAt(position, buffer[..(int)Math.Min(buffer.Length, segment.Size - position)]);
        public override AbortedTransaction[] AbortedTransactions() => segment.TxnIndex.Entries.ToArray();

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) segment.Release();
        }
    }

    /// <summary>A <c>.cleaned</c> segment; deleted on Dispose unless it was swapped in.</summary>
    private sealed class FileCleanedSegment(LogSegment segment, long lastModifiedMs, string dir) : CleanedSegment
    {
        private bool _swapped;
        private bool _disposed;

        public LogSegment Segment => segment;
        public override long BaseOffset => segment.BaseOffset;
        public override long Size => segment.Size;

        public override void Append(ReadOnlySpan<byte> batches) => segment.Append(batches, lastModifiedMs);

        public override void AddAbortedTransactions(ReadOnlySpan<AbortedTransaction> entries)
        {
            foreach (ref readonly var e in entries) segment.TxnIndex.Append(e);
        }

        public override void Complete()
        {
            segment.SealTimeIndex();
            segment.EnsureFileExists();
            segment.FlushLog();
            segment.FlushIndexes();
        }

        public void MarkSwapped()
        {
            segment.MarkRenamed();
            _swapped = true;
            // Keep the source segments' age for retention by time (Kafka sets the cleaned file's mtime the same way).
            try
            {
                File.SetLastWriteTimeUtc(SegmentFiles.LogPath(dir, segment.BaseOffset), DateTimeOffset.FromUnixTimeMilliseconds(lastModifiedMs).UtcDateTime);
            }
            catch (IOException)
            {
            }
        }

        public override void Dispose()
        {
            if (_swapped || _disposed) return;
            _disposed = true;
            segment.Delete();
        }
    }
}
