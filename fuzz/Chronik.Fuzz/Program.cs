using System.Diagnostics;
using System.Net;
using Chronik.Fuzz;

// chronik-fuzz: an out-of-process fuzzer for the Kafka listener. See README.md.
var options = Options.Parse(args);
var stop = new CancellationTokenSource(); // not disposed: ProcessExit may cancel it after Main returns
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

switch (options.Mode)
{
    case "record":
        await new RecordingProxy(IPEndPoint.Parse(options.Get("listen")), IPEndPoint.Parse(options.Get("upstream")), options.Get("out")).RunAsync(stop.Token);
        return 0;
    case "minimize":
    {
        var frames = options.Inputs.SelectMany(Corpus.Load).ToList();
        var kept = Corpus.Minimize(frames, options.Int("per-version", 16), options.Int("max-frame-bytes", 16 * 1024));
        Corpus.Save(options.Get("out"), kept);
        Console.WriteLine($"{frames.Count} frames in, {kept.Count} kept ({kept.Sum(f => 4L + f.Length)} bytes), {kept.Select(f => (f[0] << 8) | f[1]).Distinct().Count()} apis");
        return 0;
    }
    case "run":
        return await FuzzRun.RunAsync(options, stop.Token);
    case "replay":
    {
        // Each file is one batch on one connection, sent as recorded; stops at the first batch after which the broker is gone.
        var broker = IPEndPoint.Parse(options.Get("bootstrap"));
        var stats = new TrafficStats();
        foreach (var file in options.Inputs)
        {
            await Traffic.SendBatchAsync(broker, Corpus.Load(file), stats, TimeSpan.FromSeconds(5), stop.Token);
            await Task.Delay(options.Int("pause-ms", 0), stop.Token);
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(broker, stop.Token);
            }
            catch (System.Net.Sockets.SocketException)
            {
                Console.WriteLine($"broker gone after {file}");
                return 1;
            }
        }
        Console.WriteLine($"{options.Inputs.Count} batches replayed, {stats.Responses} responses");
        return 0;
    }
    default:
        Console.Error.WriteLine("""
            usage: chronik-fuzz record --listen 127.0.0.1:P --upstream 127.0.0.1:B --out RAW
                   chronik-fuzz replay --bootstrap 127.0.0.1:P [--pause-ms N] BATCH...
                   chronik-fuzz minimize --out CORPUS [--per-version 16] [--max-frame-bytes 16384] RAW...
                   chronik-fuzz run --bootstrap 127.0.0.1:P --pid PID [--health URL] [--log FILE] [--corpus CORPUS]
                                    [--mutated N] [--random N] [--connections 16] [--seed S] [--rss-limit-mb 1024]
                                    [--max-seconds S] [--max-fail-lines N] [--sasl-plain USER:PASSWORD]
                                    [--crash-dir DIR]
            """);
        return 2;
}

/// <summary>The command line: a mode, then --name value pairs and bare inputs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = [];

    public string Mode { get; private init; } = "";
    public List<string> Inputs { get; } = [];

    public static Options Parse(string[] args)
    {
        var o = new Options { Mode = args.Length > 0 ? args[0] : "" };
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) o._values[args[i][2..]] = args[++i];
            else o.Inputs.Add(args[i]);
        }
        return o;
    }

    public string Get(string name) => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
    public string? Find(string name) => _values.GetValueOrDefault(name);
    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v) : fallback;
    public long Long(string name, long fallback) => _values.TryGetValue(name, out var v) ? long.Parse(v) : fallback;
}

/// <summary>The fuzz run: mutated corpus frames, then random frames, with probes and the broker watched throughout.</summary>
internal static class FuzzRun
{
    public static async Task<int> RunAsync(Options o, CancellationToken ct)
    {
        var broker = IPEndPoint.Parse(o.Get("bootstrap"));
        var health = o.Find("health") is { } h ? new Uri(h) : null;
        int pid = o.Int("pid", 0);
        int seed = o.Int("seed", Environment.TickCount);
        int connections = o.Int("connections", 16);
        long mutated = o.Long("mutated", 10_000), randomFrames = o.Long("random", 10_000);
        long rssLimitKb = o.Long("rss-limit-mb", 1024) * 1024;
        int maxFailLines = o.Int("max-fail-lines", int.MaxValue);
        var deadline = Stopwatch.StartNew();
        var maxTime = TimeSpan.FromSeconds(o.Int("max-seconds", 3600));
        var corpus = o.Find("corpus") is { } c ? Corpus.Load(c) : [];
        Console.WriteLine($"seed {seed}, corpus {corpus.Count} frames, {connections} connections");

        (string, string)? plain = o.Find("sasl-plain") is { } sp && sp.Split(':', 2) is [var user, var password] ? (user, password) : null;
        using var probes = new Probes(broker, health, TimeSpan.FromSeconds(10), plain);
        var apis = await probes.ApiRangesAsync(ct);
        var watch = new BrokerWatch(pid, o.Find("log"));
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = watch.RunAsync(TimeSpan.FromMilliseconds(250), stopWatching.Token);
        var probing = probes.RunAsync(TimeSpan.FromMilliseconds(200), stopWatching.Token);
        var stats = new TrafficStats();

        var phases = new List<string>();
        if (corpus.Count > 0 && mutated > 0)
        {
            // Recorded frames, a third of them mutated: unmutated ones keep the connection (and its state) going, so a
            // mutated frame deep in a batch reaches a broker that has seen real traffic before it.
            phases.Add(await PhaseAsync("mutated", mutated, 24, connections, seed, broker, stats, watch, deadline, maxTime, r =>
            {
                var m = new Mutator(r);
                return batch =>
                {
                    int counted = 0;
                    for (int k = 0; k < batch.Capacity; k++)
                    {
                        var f = corpus[r.Next(corpus.Count)];
                        if (r.Next(3) == 0) { f = m.Mutate(f); counted++; }
                        batch.Add(f);
                    }
                    return counted;
                };
            }, ct));
        }
        if (randomFrames > 0)
        {
            // Schema-shaped random requests, and at most one of random bytes, last (it usually closes the connection).
            phases.Add(await PhaseAsync("random", randomFrames, 64, connections, seed + 1000, broker, stats, watch, deadline, maxTime, r =>
            {
                var frames = new RandomFrames(r, apis, new SchemaMessages(r));
                return batch =>
                {
                    for (int k = 0; k < batch.Capacity; k++) batch.Add(frames.Next(shaped: k < batch.Capacity - 1 || r.Next(2) == 0));
                    return batch.Count;
                };
            }, ct));
        }
        await probes.ProbeOnceAsync();
        await stopWatching.CancelAsync();
        await Task.WhenAll(watching, probing);
        watch.Sample();
        watch.ScanLog();

        bool alive = pid == 0 || watch.Alive;
        foreach (var p in phases) Console.WriteLine(p);
        Console.WriteLine($"total: {stats.Frames} frames ({stats.Bytes / 1024} KiB) over {stats.Connections} connections, {stats.Responses} responses, " +
            $"{stats.Refused} refused, {stats.SlowCloses} slow closes, {deadline.Elapsed.TotalSeconds:F0} s");
        if (!stats.SlowByApi.IsEmpty)
        {
            Console.WriteLine("connections open over 1 s, by api of their frames: " +
                string.Join(", ", stats.SlowByApi.OrderByDescending(kv => kv.Value).Take(12).Select(kv => $"{kv.Key}:{kv.Value}")));
        }
        Console.WriteLine($"probes: {probes.Answered} answered, {probes.Failed} failed");
        foreach (var f in probes.Failures) Console.WriteLine("  probe failure: " + f);
        Console.WriteLine($"broker: {(alive ? "alive" : "DEAD")}, peak RSS {watch.PeakRssKb / 1024} MiB, log: {watch.CritLines} crit, {watch.FailLines} fail, {watch.WarnLines} warn");
        foreach (var (line, count) in watch.Faults.OrderByDescending(kv => kv.Value)) Console.WriteLine($"  {count} x {line}");

        var problems = new List<string>();
        if (!alive)
        {
            string dir = o.Find("crash-dir") ?? Path.Combine(Path.GetTempPath(), $"chronik-fuzz-crash-{seed}");
            Directory.CreateDirectory(dir);
            int i = 0;
            foreach (var b in Recent) Corpus.Save(Path.Combine(dir, $"batch-{i++:D4}.bin"), b);
            problems.Add($"broker died (the last {i} batches sent are in {dir}; replay them with: chronik-fuzz replay --bootstrap ADDR FILE...)");
        }
        if (probes.Failed > 0) problems.Add($"{probes.Failed} probes unanswered");
        if (watch.PeakRssKb > rssLimitKb) problems.Add($"peak RSS {watch.PeakRssKb / 1024} MiB above {rssLimitKb / 1024} MiB");
        if (watch.CritLines > 0) problems.Add($"{watch.CritLines} crit log lines");
        if (watch.FailLines > maxFailLines) problems.Add($"{watch.FailLines} fail log lines (at most {maxFailLines} allowed)");
        Console.WriteLine(problems.Count == 0 ? "PASS" : "FAIL: " + string.Join("; ", problems));
        return problems.Count == 0 ? 0 : 1;
    }

    /// <summary>The last batches each worker sent, written out when the broker dies so the killer can be replayed.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentQueue<List<byte[]>> Recent = new();

    // Workers share one budget of counted (mutated or random) frames; each connection carries one batch.
    private static async Task<string> PhaseAsync(string name, long budget, int batch, int connections, int seed, IPEndPoint broker,
        TrafficStats stats, BrokerWatch watch, Stopwatch clock, TimeSpan maxTime, Func<Random, Func<List<byte[]>, int>> source, CancellationToken ct)
    {
        long remaining = budget, counted = 0, startFrames = stats.Frames, startResponses = stats.Responses;
        var started = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var random = new Random(seed * 7919 + i);
            var fill = source(random);
            while (!ct.IsCancellationRequested && clock.Elapsed < maxTime && Interlocked.Read(ref remaining) > 0)
            {
                var frames = new List<byte[]>(1 + random.Next(batch));
                int n = fill(frames);
                Interlocked.Add(ref remaining, -n);
                Interlocked.Add(ref counted, n);
                Recent.Enqueue(frames);
                while (Recent.Count > 4 * connections) Recent.TryDequeue(out _);
                await Traffic.SendBatchAsync(broker, frames, stats, TimeSpan.FromSeconds(2), ct);
                if (stats.Refused > 100 && !watch.Alive) break;
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        double s = started.Elapsed.TotalSeconds;
        long frames = stats.Frames - startFrames;
        return $"{name}: {counted} {name} frames among {frames} sent in {s:F1} s ({frames / Math.Max(s, 0.001):F0} frames/s), " +
            $"{stats.Responses - startResponses} responses";
    }
}
