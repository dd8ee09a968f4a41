namespace Chronik.Server.Metrics;

/// <summary>A histogram's state at scrape time: per-bucket (not cumulative) counts, the last one above every bound.</summary>
internal sealed record HistogramSnapshot(double[] Bounds, long[] Counts, double Sum)
{
    public HistogramSnapshot? MergeWith(HistogramSnapshot other)
    {
        if (!Bounds.AsSpan().SequenceEqual(other.Bounds))
        {
            return null;
        }
        long[] counts = new long[Counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Counts[i] + other.Counts[i];
        }
        return new HistogramSnapshot(Bounds, counts, Sum + other.Sum);
    }
}
