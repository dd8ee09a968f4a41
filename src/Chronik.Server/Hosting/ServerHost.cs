using System.Net;
using System.Net.Sockets;
using Chronik.Broker;
using Chronik.Server.Configuration;
using Chronik.Server.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Chronik.Server.Hosting;

/// <summary>Builds and runs the web host: logging, the metrics listener, the broker, graceful shutdown.</summary>
internal static partial class ServerHost
{
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(10);

    public static WebApplication Build(ServerConfig config)
    {
        BrokerOptions options = config.Options;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        ConfigureLogging(builder.Logging, config.LogLevel);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = s_shutdownTimeout);
        builder.Services.AddSingleton(_ => new PrometheusExporter());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.BindAddress, options.MetricsPort);
        });
        BrokerWiring.AddBroker(builder, options);

        WebApplication app = builder.Build();
        app.MapOperationalEndpoints();
        return app;
    }

    /// <summary>Runs until SIGTERM or Ctrl-C; returns the process exit code.</summary>
    public static async Task<int> RunAsync(ServerConfig config)
    {
        await using WebApplication app = Build(config);
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Chronik.Server");
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
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            LogStartFailed(logger, e.Message, e);
            return 1;
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });
        logging.SetMinimumLevel(level);
        // Per-request ASP.NET Core logs would drown the broker's own at information level.
        logging.AddFilter("Microsoft.AspNetCore", level <= LogLevel.Debug ? level : LogLevel.Warning);
    }

    private static void Listen(KestrelServerOptions kestrel, string host, int port)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            kestrel.Listen(address, port);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port);
        }
        else
        {
            foreach (IPAddress resolved in Dns.GetHostAddresses(host))
            {
                kestrel.Listen(resolved, port);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Configuration: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Starting node {NodeId}: kafka {Bind}:{KafkaPort} (advertised {AdvertisedHost}:{AdvertisedPort}), metrics http://{Bind}:{MetricsPort}/metrics, data {DataDir}")]
    private static partial void LogStarting(ILogger logger, int nodeId, string bind, int kafkaPort, string advertisedHost,
        int advertisedPort, int metricsPort, string dataDir);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical, Message = "Start-up failed: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason, Exception exception);
}
