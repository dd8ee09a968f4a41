using System.Diagnostics;
using Chronik.Cluster.Commit;
using Chronik.Protocol.Messages;
using Chronik.Tests;
using Npgsql;
using Xunit.Abstractions;
using static Chronik.Cluster.Tests.Commit.TestWindows;

namespace Chronik.Cluster.Tests.Commit;

/// <summary>A fact that runs only with CHRONIK_BENCH=1 (bench/cluster-commit.sh), so the default suite skips it.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CHRONIK_BENCH") != "1") Skip = "a benchmark: run bench/cluster-commit.sh";
    }
}

/// <summary>
/// Commits per second and commit latency: 2 committers (two brokers: own data sources) commit windows of 50
/// partitions × 1 idempotent batch, all into the same 50 partitions, so every window waits on the other's locks.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommitBenchmark(PostgresFixture pg, ITestOutputHelper output)
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        double.Parse(Environment.GetEnvironmentVariable("CHRONIK_BENCH_SECONDS") ?? "10", System.Globalization.CultureInfo.InvariantCulture));

    private static readonly int AutoPrepare = int.Parse(Environment.GetEnvironmentVariable("CHRONIK_BENCH_AUTOPREPARE") ?? "32", System.Globalization.CultureInfo.InvariantCulture);

    private static int _runs;

    [BenchFact]
    public async Task Commit_rate_and_latency_fsync_off() => await Run(fsync: false, committers: 2);

    [BenchFact]
    public async Task Commit_rate_and_latency_fsync_on() => await Run(fsync: true, committers: 2);

    [BenchFact]
    public async Task Commit_rate_and_latency_of_one_committer() => await Run(fsync: false, committers: 1);

    private async Task Run(bool fsync, int committers)
    {
        const int partitions = 50;
        // The shared test server runs with fsync off; the durable run gets a server of its own.
        using var durable = fsync ? PostgresServer.Start(durable: true) : null;
        {
            string db = (durable ?? pg.Server).CreateDatabase();
            var topic = Guid.NewGuid();
            // Statements are prepared after their first use, as a broker's data source would be configured.
            var prepared = new NpgsqlConnectionStringBuilder(db) { MaxAutoPrepare = AutoPrepare }.ConnectionString;
            var sources = Enumerable.Range(0, committers).Select(_ => NpgsqlDataSource.Create(prepared)).ToArray();
            var latencies = new List<double>[committers];
            var stop = new CancellationTokenSource();
            // Past the JIT's tiering, so the figures are the steady state; the process's first run warms up longer
            // (measured: without it the first run showed 4-8 ms of committer CPU per commit, the later ones 1.4-2).
            var warmUp = TimeSpan.FromSeconds(Interlocked.Exchange(ref _runs, 1) == 0 ? 10 : 3);
            int postmaster = (durable ?? pg.Server).Pid;
            var clock = Stopwatch.StartNew();
            (double Server, double Client)? cpuStart = null;
            var tasks = Enumerable.Range(0, committers).Select(c => Task.Run(async () =>
            {
                var committer = new WindowCommitter(sources[c]);
                var mine = latencies[c] = [];
                int sequence = 0;
                while (clock.Elapsed < warmUp + Duration)
                {
                    var window = Window(Enumerable.Range(0, partitions)
                        .Select(p => (topic, p, new[] { Idempotent(c * 1000 + p, 0, sequence, 10) })).ToArray());
                    long start = Stopwatch.GetTimestamp();
                    var result = await committer.CommitAsync(window);
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    Assert.All(result.Partitions, p => Assert.Equal(ErrorCode.None, p.Batches[0].Error));
                    if (clock.Elapsed > warmUp)
                    {
                        lock (latencies) cpuStart ??= (ServerCpuSeconds(postmaster), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
                        mine.Add(ms);
                    }
                    sequence += 10;
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            double serverCpu = ServerCpuSeconds(postmaster) - cpuStart!.Value.Server;
            double clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuStart.Value.Client;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            double seconds = Duration.TotalSeconds;
            string line = $"fsync={(fsync ? "on" : "off")}: {committers} committer(s), auto-prepare {AutoPrepare}, windows of {partitions} partitions x 1 batch: " +
                $"{all.Length / seconds:0} commits/s ({all.Length * partitions / seconds:0} index rows/s), latency mean {all.Average():0.0} ms, " +
                $"p50 {all[all.Length / 2]:0.0} ms, p99 {all[(int)(all.Length * 0.99)]:0.0} ms, max {all[^1]:0.0} ms CPU per commit: PostgreSQL {serverCpu * 1000 / all.Length:0.00} ms, committer {clientCpu * 1000 / all.Length:0.00} ms ({all.Length} commits in {seconds:0} s; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})";
            output.WriteLine(line);
            foreach (var ds in sources) await ds.DisposeAsync();
        }
    }

    /// <summary>CPU seconds (user + system) of the postmaster and its children (the backends), from /proc.</summary>
    private static double ServerCpuSeconds(int postmaster)
    {
        long ticks = 0;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // Fields after the command (which may hold spaces) start after the last ')': state ppid ... utime(14) stime(15).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            int ppid = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            if (pid != postmaster && ppid != postmaster) continue;
            ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }
        return ticks / 100.0; // USER_HZ
    }
}
