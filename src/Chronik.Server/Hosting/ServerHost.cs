using System.Net.Sockets;
using Chronik.Broker;
using Chronik.Broker.Configuration;
using Chronik.Broker.Hosting;
using Chronik.SchemaRegistry;
using Chronik.Server.Metrics;
using Chronik.Storage;

namespace Chronik.Server.Hosting;

/// <summary>Builds and runs the executable's host: the shared broker host, console logging, the metrics listener, the Schema Registry.</summary>
internal static partial class ServerHost
{
    // Below this, a few thousand partitions and connections share too few descriptors (Kafka's docs ask for 100,000).
    private const long LowFileLimit = 4096;

    public static WebApplication Build(ServerConfig config)
    {
        BrokerOptions options = config.Options;
        WebApplicationBuilder builder = BrokerHost.CreateBuilder(options);
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
        // Before the store opens: it sizes its handle cache from the soft limit.
        FileDescriptorLimit? fdLimit = FileDescriptorLimits.RaiseSoftToHard();
        await using WebApplication app = Build(config);
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
            await app.RunAsync().ConfigureAwait(false);
            return 0;
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

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical, Message = "Start-up failed: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason, Exception exception);
}
