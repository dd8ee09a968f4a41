using System.Diagnostics.Metrics;

namespace Chronik.Server.Metrics;

/// <summary>Sums a counter or up-down counter per tag set; integer measurements take a single Interlocked.Add.</summary>
internal sealed class SumAggregator(Instrument instrument, string familyName, string type, int maxSeries)
    : InstrumentAggregator(instrument, familyName, type)
{
    private readonly SeriesTable<Sum> _series = new(() => new Sum(), maxSeries);

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Interlocked.Add(ref _series.Get(tags).Integer, value);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        AtomicDouble.Add(ref _series.Get(tags).Real, value);

    public override void CollectInto(MetricFamily family)
    {
        foreach (var entry in _series.Snapshot())
        {
            family.Add(entry.Tags.Labels, Interlocked.Read(ref entry.Series.Integer) + Volatile.Read(ref entry.Series.Real));
        }
    }

    /// <summary>One series' running total, split so integer adds never need a compare-exchange loop.</summary>
    internal sealed class Sum
    {
        public long Integer;
        public double Real;
    }
}
