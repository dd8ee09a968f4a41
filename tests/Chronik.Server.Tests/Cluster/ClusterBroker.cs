using System.Diagnostics;
using Chronik.Broker.Tests;
using Chronik.Protocol.Messages;
using Chronik.Tests;
using Npgsql;

namespace Chronik.Server.Tests.Cluster;

/// <summary>One real PostgreSQL for the cluster tests of this project; each test creates its own database on it.</summary>
public sealed class ClusterPostgresFixture : IDisposable
{
    internal PostgresServer Server { get; } = PostgresServer.Start();

    /// <summary>A fresh database as a metadata URL (postgresql://USER@127.0.0.1:PORT/DB) and as a connection string.</summary>
    public (string Url, string ConnectionString) NewDatabase()
    {
        string cs = Server.CreateDatabase("cluster");
        string db = new NpgsqlConnectionStringBuilder(cs).Database!;
        return ($"postgresql://{PostgresServer.User}@127.0.0.1:{Server.Port}/{db}", cs);
    }

    public void Dispose() => Server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ClusterPostgresCollection : ICollectionFixture<ClusterPostgresFixture>
{
    public const string Name = "ClusterPostgres";
}

/// <summary>
/// A chronik-server process in cluster mode on 127.0.0.1: its node id, a free Kafka port, the shared metadata URL and
/// object store, a short session timeout (3 s) and heartbeat (500 ms), no Schema Registry. Stopped by its own PID.
/// </summary>
internal sealed class ClusterBroker : IDisposable
{
    public const int SessionTimeoutMs = 3000;
    public const int HeartbeatIntervalMs = 500;

    private readonly string _dir;
    private readonly string[] _extra;

    public ClusterBroker(int nodeId, string metadataUrl, string objectStoreUrl, string dir, params string[] extra)
    {
        NodeId = nodeId;
        MetadataUrl = metadataUrl;
        ObjectStoreUrl = objectStoreUrl;
        _dir = Directory.CreateDirectory(Path.Combine(dir, $"broker-{nodeId}-{Port}")).FullName;
        _extra = extra;
    }

    public int NodeId { get; }
    public string MetadataUrl { get; }
    public string ObjectStoreUrl { get; }
    public int Port { get; } = ServerProcess.FreePort();
    public ServerProcess? Process { get; private set; }

    public ServerProcess Start()
    {
        string config = Path.Combine(_dir, "server.properties");
        File.WriteAllText(config, $"schema.registry.enable=false\nbroker.session.timeout.ms={SessionTimeoutMs}\nbroker.heartbeat.interval.ms={HeartbeatIntervalMs}\n");
        Process = ServerProcess.Start([
            "--bind", "127.0.0.1", $"--kafka-port={Port}", "--metrics-port", $"{ServerProcess.FreePort()}", "--data-dir", Path.Combine(_dir, "data"),
            "--node-id", $"{NodeId}", "--metadata-url", MetadataUrl, "--object-store", ObjectStoreUrl, "--config", config, .. _extra]);
        return Process;
    }

    /// <summary>A raw client once the Kafka port accepts (bounded; fails at once if the process exited).</summary>
    public async Task<RawClient> ConnectAsync()
    {
        var p = Process ?? throw new InvalidOperationException("not started");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (p.HasExited)
            {
                var (code, stdout, stderr) = await p.WaitForExitAsync(TimeSpan.FromSeconds(10));
                throw new InvalidOperationException($"node {NodeId} exited with {code}\n{stdout}\n{stderr}");
            }
            try
            {
                return new RawClient(Port);
            }
            catch (System.Net.Sockets.SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }

    public static MetadataResponse Metadata(RawClient c, params string[] topics) =>
        CrashServer.Call<MetadataResponse>(c, new MetadataRequest
        {
            Topics = topics.Length == 0 ? null : [.. topics.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t })],
            AllowAutoTopicCreation = false,
        }, 12);

    /// <summary>The node ids Metadata lists, in order.</summary>
    public static int[] MetadataNodes(RawClient c) => [.. Metadata(c).Brokers.Select(b => b.NodeId)];

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(100);
        }
        return true;
    }

    public void Dispose() => Process?.Dispose();
}
