using System.Xml;

namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// share.auto.offset.reset: where a share partition with no persisted state starts — the latest offset
/// (Kafka's default), the earliest, or the first offset at or after now minus an ISO-8601 duration.
/// </summary>
public readonly record struct ShareAutoOffsetReset(ShareAutoOffsetReset.Strategy Kind, TimeSpan Duration)
{
    public enum Strategy
    {
        Latest,
        Earliest,
        ByDuration,
    }

    public static readonly ShareAutoOffsetReset Latest = new(Strategy.Latest, TimeSpan.Zero);
    public static readonly ShareAutoOffsetReset Earliest = new(Strategy.Earliest, TimeSpan.Zero);

    /// <summary>Parses "latest", "earliest" or "by_duration:PnDTnHnMn.nS" (not negative); false otherwise.</summary>
    public static bool TryParse(string? value, out ShareAutoOffsetReset reset)
    {
        reset = Latest;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "latest":
                return true;
            case "earliest":
                reset = Earliest;
                return true;
        }
        const string prefix = "by_duration:";
        if (!value!.Trim().StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            var d = XmlConvert.ToTimeSpan(value.Trim()[prefix.Length..]);
            if (d < TimeSpan.Zero) return false;
            reset = new ShareAutoOffsetReset(Strategy.ByDuration, d);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The start offset for a new share partition: <paramref name="latestOffset"/> is the high watermark
    /// (the last stable offset under read_committed); <paramref name="offsetForTimestamp"/> answers like
    /// ListOffsets (first offset with a timestamp at or after the given one, else the latest offset).
    /// </summary>
    public long Resolve(long logStartOffset, long latestOffset, long nowMs, Func<long, long> offsetForTimestamp) => Kind switch
    {
        Strategy.Earliest => logStartOffset,
        Strategy.ByDuration => Math.Max(logStartOffset, offsetForTimestamp(nowMs - (long)Duration.TotalMilliseconds)),
        _ => latestOffset,
    };
}
