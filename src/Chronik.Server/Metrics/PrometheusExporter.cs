using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Chronik.Server.Metrics;

/// <summary>Listens to Chronik meters and renders everything they measured in the Prometheus text format.</summary>
internal sealed class PrometheusExporter : IDisposable
{
    private readonly PrometheusExporterOptions _options;
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregator> _aggregators = new();
    private readonly MeterListener _listener = new();
    private readonly ProcessMetrics? _processMetrics;
    private readonly Lock _scrapeGate = new();

    public PrometheusExporter(PrometheusExporterOptions? options = null)
    {
        _options = options ?? new PrometheusExporterOptions();
        _processMetrics = _options.IncludeProcessMetrics ? new ProcessMetrics() : null;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = (instrument, _1) => _aggregators.TryRemove(instrument, out InstrumentAggregator? _);
        _listener.SetMeasurementEventCallback<byte>((_, v, tags, state) => Aggregator(state).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>((_, v, tags, state) => Aggregator(state).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>((_, v, tags, state) => Aggregator(state).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>((_, v, tags, state) => Aggregator(state).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>((_, v, tags, state) => Aggregator(state).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>((_, v, tags, state) => Aggregator(state).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, v, tags, state) => Aggregator(state).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>Polls observable instruments and returns the whole exposition text.</summary>
    public string Render()
    {
        lock (_scrapeGate)
        {
            foreach (InstrumentAggregator aggregator in _aggregators.Values)
            {
                aggregator.BeginCollect();
            }
            _listener.RecordObservableInstruments();

            var families = new SortedDictionary<string, MetricFamily>(StringComparer.Ordinal);
            foreach (InstrumentAggregator aggregator in _aggregators.Values)
            {
                if (!families.TryGetValue(aggregator.FamilyName, out MetricFamily? family))
                {
                    family = new MetricFamily(aggregator.FamilyName, aggregator.Type, aggregator.Help);
                    families.Add(aggregator.FamilyName, family);
                }
                if (family.Type == aggregator.Type)
                {
                    aggregator.CollectInto(family);
                }
            }

            var text = new StringBuilder(4096);
            var output = new PrometheusText(text);
            foreach (MetricFamily family in families.Values)
            {
                family.WriteTo(output);
            }
            _processMetrics?.WriteTo(output);
            return text.ToString();
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _processMetrics?.Dispose();
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(_options.MeterNamePrefix, StringComparison.Ordinal)
            || InstrumentAggregator.Create(instrument, _options) is not { } aggregator)
        {
            return;
        }
        _aggregators[instrument] = aggregator;
        listener.EnableMeasurementEvents(instrument, aggregator);
    }

    private static InstrumentAggregator Aggregator(object? state) => (InstrumentAggregator)state!;
}
