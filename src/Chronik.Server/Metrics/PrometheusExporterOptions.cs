using System.Diagnostics.Metrics;

namespace Chronik.Server.Metrics;

/// <summary>Which meters the exporter listens to, histogram buckets, and limits.</summary>
internal sealed class PrometheusExporterOptions
{
    /// <summary>Latency buckets for histograms measured in milliseconds (any unit other than seconds).</summary>
    public static readonly double[] DefaultMillisecondBuckets =
        [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    /// <summary>The same range for histograms whose unit is "s".</summary>
    public static readonly double[] DefaultSecondBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Meters whose name starts with this (ordinal) are exported.</summary>
    public string MeterNamePrefix { get; init; } = "Chronik";

    public bool IncludeProcessMetrics { get; init; } = true;

    /// <summary>Tag sets past this count on one instrument share a single <c>overflow="true"</c> series.</summary>
    public int MaxSeriesPerInstrument { get; init; } = 10_000;

    /// <summary>Bucket bounds by instrument name, for histograms whose values do not fit the defaults.</summary>
    public IReadOnlyDictionary<string, double[]> Buckets { get; init; } = new Dictionary<string, double[]>();

    public double[] BucketsFor(Instrument instrument) =>
        Buckets.TryGetValue(instrument.Name, out double[]? bounds) ? bounds
        : instrument.Unit == "s" ? DefaultSecondBuckets
        : DefaultMillisecondBuckets;
}
