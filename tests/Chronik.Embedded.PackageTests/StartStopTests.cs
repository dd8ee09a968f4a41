using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chronik.Embedded.PackageTests;

/// <summary>Start and stop are fast, and 100 cycles leak no threads, ports, descriptors or memory.</summary>
[Collection(nameof(StartStopTests))]
public sealed class StartStopTests(ITestOutputHelper output)
{
    private static readonly int Cycles = int.TryParse(Environment.GetEnvironmentVariable("CHRONIK_EMBEDDED_CYCLES"), out int n) ? n : 100;

    [Fact]
    public async Task A_hundred_start_stop_cycles_leak_nothing_and_each_is_fast()
    {
        string dataDir = Directory.CreateTempSubdirectory("chronik-embedded-cycles-").FullName;
        // Every other cycle opens the same data directory, so the file store's handles are counted too.
        EmbeddedBrokerOptions Options(int cycle) => cycle % 2 == 0 ? new() : new() { DataDirectory = dataDir };
        // Warm up: JIT, the thread pool and Kestrel's statics settle in the first cycles.
        for (int i = 0; i < 5; i++)
        {
            await using EmbeddedBroker warm = await EmbeddedBroker.StartAsync(Options(i));
        }
        Snapshot before = Snapshot.Take();
        var starts = new List<double>(Cycles);
        var stops = new List<double>(Cycles);
        for (int i = 0; i < Cycles; i++)
        {
            var clock = Stopwatch.StartNew();
            EmbeddedBroker broker = await EmbeddedBroker.StartAsync(Options(i));
            starts.Add(clock.Elapsed.TotalMilliseconds);
            await AssertAnswersAsync(broker.Port);
            clock.Restart();
            await broker.DisposeAsync();
            stops.Add(clock.Elapsed.TotalMilliseconds);
            AssertPortFree(broker.Port);
        }
        Snapshot after = Snapshot.Take();
        Directory.Delete(dataDir, recursive: true);

        output.WriteLine($"start ms: median {Median(starts):F1}, p90 {Percentile(starts, 0.9):F1}, max {starts.Max():F1}");
        output.WriteLine($"stop ms: median {Median(stops):F1}, p90 {Percentile(stops, 0.9):F1}, max {stops.Max():F1}");
        output.WriteLine($"before: threads {before.Threads}, descriptors {before.Descriptors}, managed bytes {before.ManagedBytes}; after: threads {after.Threads}, descriptors {after.Descriptors}, managed bytes {after.ManagedBytes}");
        output.WriteLine("descriptors opened and still open: " + string.Join(", ", after.Targets.Except(before.Targets)));
        Assert.True(Median(starts) < 200, $"median start {Median(starts):F1} ms");
        Assert.True(Median(stops) < 100, $"median stop {Median(stops):F1} ms");
        Assert.True(after.Threads <= before.Threads + 8, $"threads {before.Threads} -> {after.Threads}");
        Assert.True(after.Descriptors <= before.Descriptors + 4, $"descriptors {before.Descriptors} -> {after.Descriptors}");
        Assert.True(after.ManagedBytes <= before.ManagedBytes + (16 << 20), $"managed bytes {before.ManagedBytes} -> {after.ManagedBytes}");
    }

    [Fact]
    public async Task A_stopped_broker_starts_again_on_its_port_and_dispose_is_idempotent()
    {
        EmbeddedBroker broker = await EmbeddedBroker.StartAsync();
        int port = broker.Port;
        await broker.StopAsync();
        Assert.False(broker.IsRunning);
        AssertPortFree(port);
        await broker.StartAsync();
        Assert.True(broker.IsRunning);
        Assert.Equal(port, broker.Port);
        await AssertAnswersAsync(port);
        await broker.DisposeAsync();
        await broker.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => broker.StartAsync());
    }

    [Fact]
    public async Task An_unknown_property_fails_the_start_with_its_name()
    {
        var e = await Assert.ThrowsAsync<EmbeddedBrokerException>(() => EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            Properties = new Dictionary<string, string> { ["log.retention.hourz"] = "1" },
        }));
        Assert.Contains("log.retention.hourz", e.Message, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<EmbeddedBrokerException>(() => EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            Properties = new Dictionary<string, string> { ["num.partitions"] = "zero" },
        }));
        Assert.Contains("num.partitions", bad.Message, StringComparison.Ordinal);
    }

    /// <summary>An ApiVersions v0 request gets a response: the listener is up and serving.</summary>
    private static async Task AssertAnswersAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        NetworkStream stream = client.GetStream();
        byte[] request = [0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 7, 0xff, 0xff];
        await stream.WriteAsync(request);
        byte[] header = new byte[8];
        await stream.ReadExactlyAsync(header);
        Assert.Equal(7, header[7]);
    }

    private static void AssertPortFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }

    private readonly record struct Snapshot(int Threads, int Descriptors, long ManagedBytes, string[] Targets)
    {
        public static Snapshot Take()
        {
            // Let stopped hosts' last callbacks and idle thread-pool workers finish before counting.
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            Thread.Sleep(200);
            using var self = Process.GetCurrentProcess();
            string[] fds = Directory.GetFiles("/proc/self/fd");
            // Assemblies and their symbols are mapped once, when first needed: not something a broker leaks.
            string[] targets = fds.Select(fd => new FileInfo(fd).LinkTarget ?? "?")
                .Where(t => !t.EndsWith(".dll", StringComparison.Ordinal) && !t.EndsWith(".pdb", StringComparison.Ordinal)).ToArray();
            return new Snapshot(self.Threads.Count, targets.Length, GC.GetTotalMemory(forceFullCollection: true), targets);
        }
    }
}

/// <summary>The leak counts need the process to themselves: this collection runs alone, after the others.</summary>
[CollectionDefinition(nameof(StartStopTests), DisableParallelization = true)]
public sealed class StartStopCollection;
