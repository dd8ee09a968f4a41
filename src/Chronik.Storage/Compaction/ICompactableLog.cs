namespace Chronik.Storage.Compaction;

/// <summary>What the cleaner knows of one segment; <see cref="Path"/> is null for in-memory segments.</summary>
internal readonly record struct CleanerSegment(long BaseOffset, long Size, long LargestTimestamp, long LastModifiedMs, string? Path);

/// <summary>
/// The hooks a partition log offers the log cleaner: a snapshot of its segments (the last one is active and
/// never cleaned), reads of a segment, a place to build cleaned segments off to the side, and one brief swap
/// under the partition lock. Both the file and the in-memory log implement it.
/// </summary>
internal interface ICompactableLog : IPartitionLog
{
    /// <summary>Makes everything appended so far durable (file: a checkpoint), so cleaned segments lie below the recovery point.</summary>
    void PrepareForCleaning();

    /// <summary>Segments whose next segment starts at or below this offset may be rewritten (file: the recovery point).</summary>
    long CleanableLimit { get; }

    /// <summary>Every segment in offset order; the last is the active segment.</summary>
    IReadOnlyList<CleanerSegment> SnapshotSegments();

    /// <summary>Opens a segment for reading, or null when it was deleted since the snapshot.</summary>
    SegmentReader? OpenSegment(long baseOffset);

    /// <summary>Starts a cleaned segment (file: <c>&lt;base&gt;.log.cleaned</c> and its indexes) that no reader sees yet.</summary>
    CleanedSegment CreateCleanedSegment(long baseOffset, long lastModifiedMs);

    /// <summary>
    /// Replaces, atomically for readers and crash-safely on disk, the leading segments named by the groups
    /// (in order) with the completed cleaned segments. False, with the cleaned segments discarded, when the
    /// segment list changed since the snapshot (retention, DeleteRecords) or the log was closed.
    /// </summary>
    bool ReplaceSegments(IReadOnlyList<CleanedGroup> groups);

    /// <summary>The offset below which the log is clean (Kafka's cleaner-offset-checkpoint); persisted by the file log.</summary>
    long CleanerCheckpoint { get; set; }
}

/// <summary>Input segments (consecutive, by base offset) replaced by one cleaned segment starting at the first's base.</summary>
internal sealed record CleanedGroup(IReadOnlyList<long> OldBases, CleanedSegment Cleaned);

/// <summary>Positional reads of one segment while the cleaner holds it.</summary>
internal abstract class SegmentReader : IDisposable
{
    public abstract long Size { get; }
    public abstract int ReadAt(long position, Span<byte> buffer);
    /// <summary>The segment's aborted-transaction index entries (copied into the cleaned segment, as Kafka's cleaner does).</summary>
    public abstract AbortedTransaction[] AbortedTransactions();
    public abstract void Dispose();
}

/// <summary>A segment being written by the cleaner: whole batches appended in offset order, then completed (fsynced).</summary>
internal abstract class CleanedSegment : IDisposable
{
    public abstract long BaseOffset { get; }
    public abstract long Size { get; }
    public abstract void Append(ReadOnlySpan<byte> batches);
    /// <summary>Adds the source segments' aborted-transaction entries, in order.</summary>
    public abstract void AddAbortedTransactions(ReadOnlySpan<AbortedTransaction> entries);
    /// <summary>Seals the indexes and makes the files durable; called before <see cref="ICompactableLog.ReplaceSegments"/>.</summary>
    public abstract void Complete();
    /// <summary>Discards the segment if it was not swapped in.</summary>
    public abstract void Dispose();
}
