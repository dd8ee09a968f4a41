using Chronik.Storage.Compaction;

namespace Chronik.Storage.Memory;

/// <summary>The log cleaner's hooks for the in-memory log: the same contract as the file log, without files.</summary>
internal sealed partial class MemoryPartitionLog : ICompactableLog
{
    private long _cleanerCheckpoint;

    public void PrepareForCleaning()
    {
    }

    public long CleanableLimit => LogEndOffset;

    public long CleanerCheckpoint
    {
        get => Volatile.Read(ref _cleanerCheckpoint);
        set => Volatile.Write(ref _cleanerCheckpoint, value);
    }

    public IReadOnlyList<CleanerSegment> SnapshotSegments()
    {
        lock (_lock) return _segments.Select(s => new CleanerSegment(s.BaseOffset, s.Size, s.Summary.LargestTimestamp, s.LastModifiedMs, null)).ToList();
    }

    public SegmentReader? OpenSegment(long baseOffset)
    {
        lock (_lock)
        {
            var segment = _segments.Find(s => s.BaseOffset == baseOffset);
            return segment is null ? null : new BytesReader(segment.From(0).ToArray(), segment.Aborted.ToArray());
        }
    }

    public CleanedSegment CreateCleanedSegment(long baseOffset, long lastModifiedMs) => new MemoryCleanedSegment(new MemorySegment(baseOffset, lastModifiedMs), lastModifiedMs);

    public bool ReplaceSegments(IReadOnlyList<CleanedGroup> groups)
    {
        lock (_lock)
        {
            int i = 0;
            foreach (var g in groups)
            {
                foreach (long b in g.OldBases)
                {
                    if (i >= _segments.Count - 1 || _segments[i].BaseOffset != b) return false;
                    i++;
                }
            }
            _segments.RemoveRange(0, i);
            _segments.InsertRange(0, groups.Select(g => ((MemoryCleanedSegment)g.Cleaned).Segment));
            return true;
        }
    }

    private sealed class BytesReader(byte[] bytes, AbortedTransaction[] aborted) : SegmentReader
    {
        public override long Size => bytes.Length;
        public override AbortedTransaction[] AbortedTransactions() => aborted;

        public override int ReadAt(long position, Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, bytes.Length - position);
            bytes.AsSpan((int)position, n).CopyTo(buffer);
            return n;
        }

        public override void Dispose()
        {
        }
    }

    private sealed class MemoryCleanedSegment(MemorySegment segment, long lastModifiedMs) : CleanedSegment
    {
        public MemorySegment Segment => segment;
        public override long BaseOffset => segment.BaseOffset;
        public override long Size => segment.Size;
        public override void Append(ReadOnlySpan<byte> batches) => segment.Append(batches, lastModifiedMs);

        public override void AddAbortedTransactions(ReadOnlySpan<AbortedTransaction> entries)
        {
            foreach (ref readonly var e in entries) segment.AddAborted(e);
        }

        public override void Complete()
        {
        }

        public override void Dispose()
        {
        }
    }
}
