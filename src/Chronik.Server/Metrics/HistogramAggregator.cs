using System.Diagnostics.Metrics;

namespace Chronik.Server.Metrics;

/// <summary>Counts histogram measurements into fixed buckets per tag set; +Inf and _count are derived from the same counts so they agree.</summary>
internal sealed class HistogramAggregator : InstrumentAggregator
{
    private readonly double[] _bounds;
    private readonly SeriesTable<Buckets> _series;

    public HistogramAggregator(Instrument instrument, string familyName, double[] bounds, int maxSeries)
        : base(instrument, familyName, "histogram")
    {
        _bounds = bounds;
        _series = new SeriesTable<Buckets>(() => new Buckets(bounds.Length + 1), maxSeries);
    }

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }
        Buckets series = _series.Get(tags);
        Interlocked.Increment(ref series.Counts[BucketIndex(value)]);
        AtomicDouble.Add(ref series.Sum, value);
    }

    public override void CollectInto(MetricFamily family)
    {
        foreach (var entry in _series.Snapshot())
        {
            long[] counts = new long[entry.Series.Counts.Length];
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = Interlocked.Read(ref entry.Series.Counts[i]);
            }
            family.Add(entry.Tags.Labels, new HistogramSnapshot(_bounds, counts, Volatile.Read(ref entry.Series.Sum)));
        }
    }

    /// <summary>The first bucket whose upper bound is at least the value (Prometheus buckets are inclusive).</summary>
    private int BucketIndex(double value)
    {
        int low = 0;
        int high = _bounds.Length;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (value <= _bounds[mid])
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }
        return low;
    }

    /// <summary>One series' bucket counts and running sum.</summary>
    internal sealed class Buckets(int count)
    {
        public readonly long[] Counts = new long[count];
        public double Sum;
    }
}
