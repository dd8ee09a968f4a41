namespace Chronik.Server.Metrics;

/// <summary>Every sample of one exported metric name, merged across the instruments that share that name.</summary>
internal sealed class MetricFamily(string name, string type, string help)
{
    private readonly SortedDictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, HistogramSnapshot> _histograms = new(StringComparer.Ordinal);

    public string Name { get; } = name;
    public string Type { get; } = type;

    public void Add(string labels, double value) =>
        _values[labels] = _values.GetValueOrDefault(labels) + value;

    public void Add(string labels, HistogramSnapshot histogram) =>
        _histograms[labels] = _histograms.TryGetValue(labels, out var existing)
            ? existing.MergeWith(histogram) ?? existing
            : histogram;

    public void WriteTo(PrometheusText output)
    {
        if (_values.Count == 0 && _histograms.Count == 0)
        {
            return;
        }
        output.WriteHeader(Name, Type, help);
        foreach ((string labels, double value) in _values)
        {
            output.WriteSample(Name, labels, value);
        }
        foreach ((string labels, HistogramSnapshot histogram) in _histograms)
        {
            long cumulative = 0;
            for (int i = 0; i < histogram.Bounds.Length; i++)
            {
                cumulative += histogram.Counts[i];
                output.WriteSample(Name + "_bucket", labels, cumulative, $"le=\"{PrometheusText.FormatNumber(histogram.Bounds[i])}\"");
            }
            cumulative += histogram.Counts[^1];
            output.WriteSample(Name + "_bucket", labels, cumulative, "le=\"+Inf\"");
            output.WriteSample(Name + "_sum", labels, histogram.Sum);
            output.WriteSample(Name + "_count", labels, cumulative);
        }
    }
}
