using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Chronik.SchemaRegistry.Http;

/// <summary>
/// The registry's instruments (Meter "Chronik.SchemaRegistry", exported on the broker's /metrics): requests and their
/// latency per route template, method and status class. Route templates, not paths, so subjects never become labels.
/// </summary>
public sealed class RegistryMetrics : IDisposable
{
    public const string MeterName = "Chronik.SchemaRegistry";
    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;

    public RegistryMetrics()
    {
        _requests = _meter.CreateCounter<long>("chronik.schema_registry.requests",
            description: "Schema Registry requests answered, per route template, method and status class");
        _latency = _meter.CreateHistogram<double>("chronik.schema_registry.request.duration", unit: "ms",
            description: "Schema Registry request time, per route template, method and status class");
    }

    public void RequestCompleted(string route, string method, int status, double elapsedMs)
    {
        var tags = new TagList
        {
            { "route", route },
            { "method", method },
            { "status", status is >= 100 and < 600 ? StatusClasses[(status / 100) - 1] : "other" },
        };
        _requests.Add(1, tags);
        _latency.Record(elapsedMs, tags);
    }

    public void Dispose() => _meter.Dispose();
}
