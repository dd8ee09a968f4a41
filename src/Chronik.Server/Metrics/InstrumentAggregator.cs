using System.Diagnostics.Metrics;

namespace Chronik.Server.Metrics;

/// <summary>Accumulates one instrument's measurements per tag set and hands them to a <see cref="MetricFamily"/> at scrape time.</summary>
internal abstract class InstrumentAggregator(Instrument instrument, string familyName, string type)
{
    public Instrument Instrument { get; } = instrument;
    public string FamilyName { get; } = familyName;
    public string Type { get; } = type;
    public string Help { get; } = string.IsNullOrWhiteSpace(instrument.Description)
        ? instrument.Name + (instrument.Unit is { Length: > 0 } unit ? $" ({unit})" : "")
        : instrument.Description + (instrument.Unit is { Length: > 0 } u ? $" ({u})" : "");

    public abstract void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called before observable instruments are polled for a scrape.</summary>
    public virtual void BeginCollect()
    {
    }

    public abstract void CollectInto(MetricFamily family);

    /// <summary>Picks the aggregation for an instrument kind; null for kinds this exporter does not know.</summary>
    public static InstrumentAggregator? Create(Instrument instrument, PrometheusExporterOptions options)
    {
        Type? kind = instrument.GetType() is { IsGenericType: true } t ? t.GetGenericTypeDefinition() : null;
        string name = PrometheusText.MetricName(instrument.Name);
        string counterName = name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";
        int max = options.MaxSeriesPerInstrument;
        if (kind == typeof(Counter<>))
        {
            return new SumAggregator(instrument, counterName, "counter", max);
        }
        if (kind == typeof(UpDownCounter<>))
        {
            return new SumAggregator(instrument, name, "gauge", max);
        }
        if (kind == typeof(Histogram<>))
        {
            return new HistogramAggregator(instrument, name, options.BucketsFor(instrument), max);
        }
        if (kind == typeof(ObservableCounter<>))
        {
            return new LastValueAggregator(instrument, counterName, "counter", max);
        }
        if (kind == typeof(ObservableGauge<>) || kind == typeof(ObservableUpDownCounter<>) || kind == typeof(Gauge<>))
        {
            return new LastValueAggregator(instrument, name, "gauge", max);
        }
        return null;
    }
}
