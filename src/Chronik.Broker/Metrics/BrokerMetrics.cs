using System.Diagnostics.Metrics;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Metrics;

/// <summary>The broker's instruments (Meter "Chronik.Broker"); the server exports them in Prometheus format.</summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "Chronik.Broker";
    private static readonly string[] ApiNames = BuildNames();
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private long _connections;

    public BrokerMetrics()
    {
        _requests = _meter.CreateCounter<long>("chronik.requests", description: "Requests handled, per API");
        _latency = _meter.CreateHistogram<double>("chronik.request.duration", unit: "ms", description: "Time from a request's arrival to its response being written, per API");
        _bytesIn = _meter.CreateCounter<long>("chronik.bytes.in", unit: "By", description: "Request bytes received");
        _bytesOut = _meter.CreateCounter<long>("chronik.bytes.out", unit: "By", description: "Response bytes sent");
        _meter.CreateObservableGauge("chronik.connections", () => Interlocked.Read(ref _connections), description: "Open client connections");
    }

    public Meter Meter => _meter;

    /// <summary>Publishes the topic and partition counts (chronik.topics, chronik.partitions), read at scrape time.</summary>
    public void ObserveTopics(Func<(int Topics, int Partitions)> counts)
    {
        _meter.CreateObservableGauge("chronik.topics", () => counts().Topics, description: "Topics, internal ones included");
        _meter.CreateObservableGauge("chronik.partitions", () => counts().Partitions, description: "Partitions hosted by this node");
    }

    private static string[] BuildNames()
    {
        var names = new string[ApiKeys.All.Max(a => (int)a.Key) + 1];
        foreach (var a in ApiKeys.All) names[(int)a.Key] = a.Name;
        return names;
    }

    public static string ApiName(short key) => (uint)key < (uint)ApiNames.Length && ApiNames[key] is { } n ? n : "Unknown";

    public void RequestCompleted(short apiKey, double elapsedMs, int bytesIn, int bytesOut)
    {
        var tag = new KeyValuePair<string, object?>("api", ApiName(apiKey));
        _requests.Add(1, tag);
        _latency.Record(elapsedMs, tag);
        _bytesIn.Add(bytesIn);
        if (bytesOut > 0) _bytesOut.Add(bytesOut);
    }

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);
    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);
    public long OpenConnections => Interlocked.Read(ref _connections);

    public void Dispose() => _meter.Dispose();
}
