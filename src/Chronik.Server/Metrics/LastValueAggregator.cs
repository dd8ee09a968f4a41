using System.Diagnostics.Metrics;

namespace Chronik.Server.Metrics;

/// <summary>Keeps the latest value per tag set (gauges, observable counters); observable series not reported in a scrape are dropped from it.</summary>
internal sealed class LastValueAggregator(Instrument instrument, string familyName, string type, int maxSeries)
    : InstrumentAggregator(instrument, familyName, type)
{
    private readonly SeriesTable<LastValue> _series = new(() => new LastValue(), maxSeries);
    private long _generation;

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        LastValue series = _series.Get(tags);
        Volatile.Write(ref series.Value, value);
        Volatile.Write(ref series.Generation, Volatile.Read(ref _generation));
    }

    public override void BeginCollect() => Interlocked.Increment(ref _generation);

    public override void CollectInto(MetricFamily family)
    {
        long generation = Volatile.Read(ref _generation);
        foreach (var entry in _series.Snapshot())
        {
            if (!Instrument.IsObservable || Volatile.Read(ref entry.Series.Generation) == generation)
            {
                family.Add(entry.Tags.Labels, Volatile.Read(ref entry.Series.Value));
            }
        }
    }

    /// <summary>One series' latest value and the scrape it was observed in.</summary>
    internal sealed class LastValue
    {
        public double Value;
        public long Generation;
    }
}
