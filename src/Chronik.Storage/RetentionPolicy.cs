namespace Chronik.Storage;

/// <summary>What retention needs to know about a segment.</summary>
internal readonly record struct SegmentSummary(long BaseOffset, long Size, long LargestTimestamp);

/// <summary>Kafka's segment deletion rules, shared by the file and in-memory logs.</summary>
internal static class RetentionPolicy
{
    /// <summary>
    /// How many of the oldest segments to delete. The active (last) segment is never counted. By time: while
    /// the segment's largest timestamp (or last modified time when it has none) is older than retention.ms.
    /// By size: while dropping the whole segment still leaves at least retention.bytes.
    /// </summary>
    public static int CountDeletable(ReadOnlySpan<SegmentSummary> segments, LogConfig config, long nowMs)
    {
        int candidates = segments.Length - 1;
        int byTime = 0;
        if (config.RetentionMs >= 0)
        {
            while (byTime < candidates && nowMs - segments[byTime].LargestTimestamp > config.RetentionMs) byTime++;
        }
        int bySize = 0;
        if (config.RetentionBytes >= 0)
        {
            long total = 0;
            foreach (var s in segments) total += s.Size;
            long excess = total - config.RetentionBytes;
            while (bySize < candidates && excess - segments[bySize].Size >= 0)
            {
                excess -= segments[bySize].Size;
                bySize++;
            }
        }
        return Math.Max(byTime, bySize);
    }
}
