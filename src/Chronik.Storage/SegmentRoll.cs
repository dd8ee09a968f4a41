namespace Chronik.Storage;

/// <summary>When an append starts a new segment; shared so both stores roll alike.</summary>
internal static class SegmentRoll
{
    /// <summary>
    /// A non-empty segment rolls when the append would pass segment.bytes, when segment.ms passed since its
    /// first append, or when a relative offset would no longer fit the int32 index entries.
    /// </summary>
    public static bool ShouldRoll(long size, long firstAppendMs, long baseOffset, int appendBytes, long lastOffset, long nowMs, LogConfig config) =>
        size > 0 && (size + appendBytes > config.SegmentBytes
            || (firstAppendMs >= 0 && nowMs - firstAppendMs >= config.SegmentMs)
            || lastOffset - baseOffset > int.MaxValue);
}
