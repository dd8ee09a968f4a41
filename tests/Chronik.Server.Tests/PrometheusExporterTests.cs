using System.Diagnostics.Metrics;
using Chronik.Server.Metrics;

namespace Chronik.Server.Tests;

/// <summary>Renders a private test meter's instruments and checks the Prometheus text, line by line.</summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly string _prefix = "ChronikTest." + Guid.NewGuid().ToString("N");
    private readonly Meter _meter;
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        _meter = new Meter(_prefix + ".Broker");
        _exporter = new PrometheusExporter(new PrometheusExporterOptions { MeterNamePrefix = _prefix, IncludeProcessMetrics = false, MaxSeriesPerInstrument = 3 });
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Counter_sums_per_tag_set_and_gets_total_suffix()
    {
        Counter<long> requests = _meter.CreateCounter<long>("chronik.requests", description: "Requests handled.");
        requests.Add(2, new("api", "Produce"), new("version", 9));
        requests.Add(3, new("version", 9), new("api", "Produce"));
        requests.Add(1, new("api", "Fetch"), new("version", 12));

        string[] lines = Lines(_exporter.Render());

        Assert.Equal(
        [
            "# HELP chronik_requests_total Requests handled.",
            "# TYPE chronik_requests_total counter",
            "chronik_requests_total{api=\"Fetch\",version=\"12\"} 1",
            "chronik_requests_total{api=\"Produce\",version=\"9\"} 5",
        ], lines);
    }

    [Fact]
    public void Double_counter_and_untagged_series()
    {
        Counter<double> bytes = _meter.CreateCounter<double>("chronik.bytes.in");
        bytes.Add(1.5);
        bytes.Add(2.25);

        Assert.Contains("chronik_bytes_in_total 3.75", Lines(_exporter.Render()));
    }

    [Fact]
    public void Histogram_renders_cumulative_buckets_sum_and_count()
    {
        Histogram<double> duration = _meter.CreateHistogram<double>("chronik.request.duration", unit: "ms");
        foreach (double value in new[] { 0.05, 1, 3, 7000, 20000 })
        {
            duration.Record(value, new KeyValuePair<string, object?>("api", "Produce"));
        }

        string[] lines = Lines(_exporter.Render());

        Assert.Contains("# TYPE chronik_request_duration histogram", lines);
        Assert.Contains("chronik_request_duration_bucket{api=\"Produce\",le=\"0.1\"} 1", lines);
        Assert.Contains("chronik_request_duration_bucket{api=\"Produce\",le=\"1\"} 2", lines);
        Assert.Contains("chronik_request_duration_bucket{api=\"Produce\",le=\"5\"} 3", lines);
        Assert.Contains("chronik_request_duration_bucket{api=\"Produce\",le=\"5000\"} 3", lines);
        Assert.Contains("chronik_request_duration_bucket{api=\"Produce\",le=\"10000\"} 4", lines);
        Assert.Contains("chronik_request_duration_bucket{api=\"Produce\",le=\"+Inf\"} 5", lines);
        Assert.Contains("chronik_request_duration_sum{api=\"Produce\"} 27004.05", lines);
        Assert.Contains("chronik_request_duration_count{api=\"Produce\"} 5", lines);
        Assert.Equal(PrometheusExporterOptions.DefaultMillisecondBuckets.Length + 3, lines.Count(l => l.StartsWith("chronik_request_duration", StringComparison.Ordinal)));
    }

    [Fact]
    public void Observable_gauge_is_polled_at_each_scrape_and_drops_unreported_series()
    {
        var partitions = new List<Measurement<long>> { new(3, new KeyValuePair<string, object?>("topic", "a")), new(1, new KeyValuePair<string, object?>("topic", "b")) };
        _meter.CreateObservableGauge("chronik.partitions", () => partitions, description: "Partitions hosted.");

        string[] first = Lines(_exporter.Render());
        partitions = [new(4, new KeyValuePair<string, object?>("topic", "a"))];
        string[] second = Lines(_exporter.Render());

        Assert.Contains("# TYPE chronik_partitions gauge", first);
        Assert.Contains("chronik_partitions{topic=\"a\"} 3", first);
        Assert.Contains("chronik_partitions{topic=\"b\"} 1", first);
        Assert.Contains("chronik_partitions{topic=\"a\"} 4", second);
        Assert.DoesNotContain(second, l => l.Contains("topic=\"b\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Up_down_counter_is_a_gauge_and_observable_counter_a_total()
    {
        _meter.CreateUpDownCounter<int>("chronik.connections").Add(-2);
        _meter.CreateObservableCounter("chronik.fsyncs", () => 42L);

        string[] lines = Lines(_exporter.Render());

        Assert.Contains("# TYPE chronik_connections gauge", lines);
        Assert.Contains("chronik_connections -2", lines);
        Assert.Contains("# TYPE chronik_fsyncs_total counter", lines);
        Assert.Contains("chronik_fsyncs_total 42", lines);
    }

    [Fact]
    public void Names_are_sanitized_and_label_values_escaped()
    {
        _meter.CreateCounter<long>("chronik.weird-name/x").Add(1, new KeyValuePair<string, object?>("client.id", "a\"b\\c\nd"));

        Assert.Contains("chronik_weird_name_x_total{client_id=\"a\\\"b\\\\c\\nd\"} 1", Lines(_exporter.Render()));
    }

    [Fact]
    public void Tag_sets_past_the_limit_share_an_overflow_series()
    {
        Counter<long> counter = _meter.CreateCounter<long>("chronik.clients");
        for (int i = 0; i < 5; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("client", i));
        }

        string[] lines = Lines(_exporter.Render());

        Assert.Equal(4, lines.Count(l => l.StartsWith("chronik_clients_total{", StringComparison.Ordinal)));
        Assert.Contains("chronik_clients_total{overflow=\"true\"} 2", lines);
    }

    [Fact]
    public void Meters_outside_the_prefix_are_ignored_and_disposed_meters_disappear()
    {
        using (var other = new Meter("Other." + _prefix))
        {
            other.CreateCounter<long>("other.requests").Add(1);
            using var scoped = new Meter(_prefix + ".Scoped");
            scoped.CreateCounter<long>("chronik.scoped").Add(1);

            string text = _exporter.Render();
            Assert.DoesNotContain("other_requests", text, StringComparison.Ordinal);
            Assert.Contains("chronik_scoped_total 1", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("chronik_scoped", _exporter.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_adds_are_not_lost()
    {
        Counter<long> counter = _meter.CreateCounter<long>("chronik.parallel");
        Parallel.For(0, 100_000, i => counter.Add(1, new KeyValuePair<string, object?>("api", i % 2 == 0 ? "Produce" : "Fetch")));

        string[] lines = Lines(_exporter.Render());

        Assert.Contains("chronik_parallel_total{api=\"Fetch\"} 50000", lines);
        Assert.Contains("chronik_parallel_total{api=\"Produce\"} 50000", lines);
    }

    [Fact]
    public void Recording_to_an_existing_series_does_not_allocate()
    {
        Counter<long> counter = _meter.CreateCounter<long>("chronik.bytes.out");
        Histogram<double> histogram = _meter.CreateHistogram<double>("chronik.fsync.duration");
        var api = new KeyValuePair<string, object?>("api", "Produce");
        var topic = new KeyValuePair<string, object?>("topic", "orders");
        counter.Add(1, api, topic);
        histogram.Record(1, api);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            counter.Add(1, api, topic);
            histogram.Record(i, api);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains("chronik_bytes_out_total{api=\"Produce\",topic=\"orders\"} 10001", Lines(_exporter.Render()));
    }

    [Fact]
    public void Process_metrics_are_included_by_default()
    {
        using var exporter = new PrometheusExporter();

        string[] lines = Lines(exporter.Render());

        foreach (string name in new[] { "process_resident_memory_bytes", "process_cpu_seconds_total", "dotnet_gc_heap_size_bytes" })
        {
            Assert.Contains($"# TYPE {name} {(name.EndsWith("_total", StringComparison.Ordinal) ? "counter" : "gauge")}", lines);
            Assert.Contains(lines, l => l.StartsWith(name + " ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(0.1, "0.1")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e21, "1E+21")]
    public void Numbers_use_prometheus_syntax(double value, string text) =>
        Assert.Equal(text, PrometheusText.FormatNumber(value));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
