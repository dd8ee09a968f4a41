namespace Chronik.Storage.Compaction;

/// <summary>Outcome of one <see cref="LogCleaner.Clean"/> call; <see cref="Skipped"/> says why nothing was rewritten.</summary>
public readonly record struct CleanResult(
    bool Cleaned, string? Skipped, double DirtyRatio, long BytesBefore, long BytesAfter,
    int SegmentsBefore, int SegmentsAfter, long RecordsRemoved, long CleanedUpTo);

/// <summary>
/// Kafka's log cleaner for one partition (cleanup.policy=compact): keeps the latest record of every key in the
/// segments below the active one, drops tombstones and spent transaction markers once delete.retention.ms has
/// passed, removes aborted transactional records, and swaps the rewritten segments in crash-safely.
/// </summary>
/// <remarks>
/// Passes, each a sequential read: (1) <see cref="TransactionScan"/> over the cleanable segments; (2) the key →
/// latest offset map over the dirty section (from the cleaner checkpoint to the first uncleanable offset);
/// (3) <see cref="SegmentRewriter"/> rewrites every cleanable segment from the log start, grouped up to
/// segment.bytes of input, into cleaned segments built off to the side; (4) one swap under the partition lock.
/// The first uncleanable offset is the lowest of: the active segment, the first segment holding a record
/// younger than min.compaction.lag.ms, the first open transaction, and (file) the recovery point.
/// </remarks>
public static class LogCleaner
{
    /// <summary>Kafka's default dedupe buffer holds ~4M entries; past that the dirty section is cleaned in parts.</summary>
    public const int DefaultMaxMapEntries = 4_000_000;

    /// <summary>Cleans <paramref name="log"/> once if it is dirty enough; <paramref name="config"/> carries the compaction settings.</summary>
    public static CleanResult Clean(IPartitionLog log, LogConfig config, long nowMs, int maxMapEntries = DefaultMaxMapEntries)
    {
        if (log is not ICompactableLog c) return Skip("log does not support compaction");
        c.PrepareForCleaning();
        var segments = c.SnapshotSegments();
        if (segments.Count < 2) return Skip("only the active segment");

        int end = UncleanableIndex(segments, c.CleanableLimit, config, nowMs);
        long checkpoint = c.CleanerCheckpoint;
        int firstDirty = 0;
        while (firstDirty < segments.Count && segments[firstDirty].BaseOffset < checkpoint) firstDirty++;
        if (firstDirty >= end) return Skip("nothing dirty");

        var txns = new TransactionScan();
        long firstDirtyTimestamp = long.MaxValue;
        for (int i = 0; i < end; i++)
        {
            using var reader = c.OpenSegment(segments[i].BaseOffset);
            if (reader is null) return Skip("segments changed");
            using var scanner = new BatchScanner(reader);
            bool first = true;
            while (scanner.Next(out var batch))
            {
                if (first && i >= firstDirty) firstDirtyTimestamp = Math.Min(firstDirtyTimestamp, Protocol.Records.RecordBatchHeader.Read(batch).BaseTimestamp);
                first = false;
                txns.Observe(batch);
            }
        }
        // An open transaction may still abort: nothing from its first batch on can be compacted yet.
        long unstable = txns.FirstUnstableOffset;
        while (end > 0 && segments[end].BaseOffset > unstable) end--;
        if (firstDirty >= end) return Skip("nothing dirty below the first open transaction");

        long clean = 0, dirty = 0;
        for (int i = 0; i < end; i++)
        {
            if (i < firstDirty) clean += segments[i].Size;
            else dirty += segments[i].Size;
        }
        double ratio = clean + dirty == 0 ? 0 : (double)dirty / (clean + dirty);
        bool overdue = firstDirtyTimestamp > 0 && firstDirtyTimestamp != long.MaxValue
            && config.MaxCompactionLagMs != long.MaxValue && nowMs - config.MaxCompactionLagMs > firstDirtyTimestamp;
        if (ratio < config.MinCleanableDirtyRatio && !overdue) return Skip("dirty ratio below min.cleanable.dirty.ratio", ratio);

        var map = new KeyOffsetMap();
        for (int i = firstDirty; i < end; i++)
        {
            using var reader = c.OpenSegment(segments[i].BaseOffset);
            if (reader is null) return Skip("segments changed", ratio);
            SegmentRewriter.AddToMap(reader, map, txns);
            if (map.Count > maxMapEntries && i + 1 < end)
            {
                end = i + 1;
                break;
            }
        }

        var rewriter = new SegmentRewriter(c, map, txns, nowMs - config.DeleteRetentionMs);
        var groups = new List<CleanedGroup>();
        try
        {
            foreach (var (from, to) in Group(segments, end, config.SegmentBytes))
            {
                var group = rewriter.Rewrite(segments, from, to);
                if (group is null) return Skip("segments changed", ratio);
                groups.Add(group);
            }
            if (!c.ReplaceSegments(groups)) return Skip("segments changed", ratio);
        }
        catch
        {
            foreach (var g in groups) g.Cleaned.Dispose();
            throw;
        }
        long cleanedUpTo = segments[end].BaseOffset;
        c.CleanerCheckpoint = cleanedUpTo;
        long before = 0, after = 0;
        for (int i = 0; i < end; i++) before += segments[i].Size;
        foreach (var g in groups) after += g.Cleaned.Size;
        return new CleanResult(true, null, ratio, before, after, end, groups.Count, rewriter.RecordsRemoved, cleanedUpTo);
    }

    /// <summary>The dirty share of the cleanable bytes, as the cleaner would compute it now (for metrics and tests).</summary>
    public static double DirtyRatio(IPartitionLog log, LogConfig config, long nowMs)
    {
        if (log is not ICompactableLog c) return 0;
        var segments = c.SnapshotSegments();
        int end = UncleanableIndex(segments, c.CleanableLimit, config, nowMs);
        long checkpoint = c.CleanerCheckpoint, clean = 0, dirty = 0;
        for (int i = 0; i < end; i++)
        {
            if (segments[i].BaseOffset < checkpoint) clean += segments[i].Size;
            else dirty += segments[i].Size;
        }
        return clean + dirty == 0 ? 0 : (double)dirty / (clean + dirty);
    }

    /// <summary>Index of the first segment that may not be rewritten (at most the active one).</summary>
    private static int UncleanableIndex(IReadOnlyList<CleanerSegment> segments, long cleanableLimit, LogConfig config, long nowMs)
    {
        int end = 0;
        while (end < segments.Count - 1
            && segments[end + 1].BaseOffset <= cleanableLimit
            && (config.MinCompactionLagMs <= 0 || segments[end].LargestTimestamp <= nowMs - config.MinCompactionLagMs))
        {
            end++;
        }
        return end;
    }

    /// <summary>Consecutive segments [from, to) whose input fits segment.bytes and whose offsets fit int32 relative offsets.</summary>
    private static IEnumerable<(int From, int To)> Group(IReadOnlyList<CleanerSegment> segments, int end, int segmentBytes)
    {
        for (int from = 0; from < end;)
        {
            long total = segments[from].Size;
            int to = from + 1;
            while (to < end && total + segments[to].Size <= segmentBytes
                && segments[to + 1].BaseOffset - segments[from].BaseOffset <= int.MaxValue)
            {
                total += segments[to].Size;
                to++;
            }
            yield return (from, to);
            from = to;
        }
    }

    private static CleanResult Skip(string reason, double ratio = 0) => new(false, reason, ratio, 0, 0, 0, 0, 0, -1);
}
