using System.Net.Sockets;
using Chronik.Broker;
using Chronik.Broker.Configuration;
using Chronik.Broker.Hosting;
using Chronik.Cluster.Connection;
using Chronik.Coordination.Membership;
using Chronik.Coordination.Metadata;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Chronik.SchemaRegistry;
using Chronik.Server.Metrics;
using Chronik.Storage;

namespace Chronik.Server.Hosting;

/// <summary>Builds and runs the executable's host: the shared broker host, console logging, the metrics listener, the Schema Registry.</summary>
internal static partial class ServerHost
{
    // Below this, a few thousand partitions and connections share too few descriptors (Kafka's docs ask for 100,000).
    private const long LowFileLimit = 4096;

    /// <summary>The host; with <paramref name="cluster"/>, the broker runs on its shared metadata store and lists its live brokers.</summary>
    public static WebApplication Build(ServerConfig config, ClusterNode? cluster = null)
    {
        BrokerOptions options = config.Options;
        WebApplicationBuilder builder = BrokerHost.CreateBuilder(options);
        if (cluster is not null)
        {
            // Owned and disposed by the cluster node, after the host: registered as instances, the container leaves them open.
            builder.Services.Replace(ServiceDescriptor.Singleton<IMetadataStore>(cluster.Metadata));
            builder.Services.Replace(ServiceDescriptor.Singleton<ILiveBrokers>(cluster.Membership));
        }
        BrokerHost.UseConsoleLogging(builder.Logging, config.LogLevel);
        builder.Services.AddSingleton(_ => new PrometheusExporter());
        builder.WebHost.ConfigureKestrel(kestrel => BrokerHost.Listen(kestrel, options.BindAddress, options.MetricsPort));
        builder.AddChronikSchemaRegistry(options);

        WebApplication app = builder.Build();
        app.MapOperationalEndpoints();
        app.MapChronikSchemaRegistry();
        return app;
    }

    /// <summary>Runs until SIGTERM or Ctrl-C; returns the process exit code.</summary>
    public static async Task<int> RunAsync(ServerConfig config)
    {
        if (config.Options.MetadataUrl is null) return await RunAsync(config, null).ConfigureAwait(false);
        ClusterNode cluster;
        try
        {
            cluster = ClusterNode.Open(config.Options);
        }
        catch (ClusterStartException e)
        {
            await Console.Error.WriteLineAsync($"chronik-server: cannot start: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        using (cluster)
        {
            return await RunAsync(config, cluster).ConfigureAwait(false);
        }
    }

    private static async Task<int> RunAsync(ServerConfig config, ClusterNode? cluster)
    {
        // Before the store opens: it sizes its handle cache from the soft limit.
        FileDescriptorLimit? fdLimit = FileDescriptorLimits.RaiseSoftToHard();
        await using WebApplication app = Build(config, cluster);
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Chronik.Server");
        if (fdLimit is { } limit)
        {
            LogFileLimit(logger, limit.PreviousSoft, limit.Soft, limit.Hard);
            if (limit.Soft < LowFileLimit)
            {
                LogLowFileLimit(logger, limit.Soft);
            }
        }
        foreach (string warning in config.Warnings)
        {
            LogConfigWarning(logger, warning);
        }
        BrokerOptions options = config.Options;
        try
        {
            string dataDir = Directory.CreateDirectory(options.DataDir).FullName;
            LogStarting(logger, options.NodeId, options.BindAddress, options.KafkaPort, options.AdvertisedHost,
                options.EffectiveAdvertisedPort, options.MetricsPort, dataDir);
            foreach (BrokerListener listener in options.Listeners)
            {
                LogListener(logger, listener.Name, Chronik.Broker.Security.ListenerSecurityOptions.ProtocolName(listener.Security.Protocol),
                    listener.BindAddress, listener.Port, listener.AdvertisedHost, listener.EffectiveAdvertisedPort);
            }
            bool fenced = false;
            if (cluster is not null)
            {
                var membership = cluster.Membership;
                LogJoined(logger, options.NodeId, membership.Session?.Epoch ?? 0, PostgresUrl.Redact(options.MetadataUrl!), cluster.ObjectStore.Description,
                    string.Join(", ", membership.Brokers.Select(b => b.NodeId)), options.BrokerSessionTimeoutMs, options.BrokerHeartbeatIntervalMs);
                membership.HeartbeatFailed += e => LogHeartbeatFailed(logger, e.Message);
                void OnFenced(Exception e)
                {
                    // A fenced session must not go on serving: stop, as a Kafka broker with a stale broker epoch is shut out.
                    fenced = true;
                    LogFenced(logger, e.Message);
                    app.Lifetime.StopApplication();
                }
                membership.Fenced += OnFenced;
                if (membership.FencedBy is { } already) OnFenced(already);
            }
            await app.RunAsync().ConfigureAwait(false);
            return fenced ? 1 : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            LogStartFailed(logger, e.Message, e);
            return 1;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Configuration: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Starting node {NodeId}: kafka {Bind}:{KafkaPort} (advertised {AdvertisedHost}:{AdvertisedPort}), metrics http://{Bind}:{MetricsPort}/metrics, data {DataDir}")]
    private static partial void LogStarting(ILogger logger, int nodeId, string bind, int kafkaPort, string advertisedHost,
        int advertisedPort, int metricsPort, string dataDir);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "Listener {Name} ({Protocol}) on {Bind}:{Port}, advertised as {AdvertisedHost}:{AdvertisedPort}")]
    private static partial void LogListener(ILogger logger, string name, string protocol, string bind, int port, string advertisedHost, int advertisedPort);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Open files (RLIMIT_NOFILE): soft limit {PreviousSoft} raised to {Soft}, hard limit {Hard}")]
    private static partial void LogFileLimit(ILogger logger, long previousSoft, long soft, long hard);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Open files (RLIMIT_NOFILE) soft limit is {Soft}: segment files beyond half of it are reopened on every read; raise the hard limit (ulimit -n, LimitNOFILE=)")]
    private static partial void LogLowFileLimit(ILogger logger, long soft);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "Joined the cluster as node {NodeId} (session epoch {Epoch}): metadata {MetadataUrl}, object store {ObjectStore}, live brokers [{Live}], session timeout {SessionMs} ms, heartbeat every {HeartbeatMs} ms")]
    private static partial void LogJoined(ILogger logger, int nodeId, long epoch, string metadataUrl, string objectStore, string live, int sessionMs, int heartbeatMs);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Cluster heartbeat failed (retried on the next tick): {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Fenced: {Reason}. Stopping: this session may no longer serve as its node id.")]
    private static partial void LogFenced(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical, Message = "Start-up failed: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason, Exception exception);
}
