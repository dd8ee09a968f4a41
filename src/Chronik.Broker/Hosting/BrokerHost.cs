using System.Net;
using Chronik.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Hosting;

/// <summary>
/// The composition the executable and the embedded broker share: a slim web host with the broker's services,
/// its Kafka listener and graceful shutdown. The caller adds logging providers and any extra listener.
/// </summary>
public static class BrokerHost
{
    /// <summary>How long a stopping host waits for in-flight requests and the final flush.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A host builder with the broker registered; <paramref name="store"/> replaces the file log store (and every other file under the data directory) when given.</summary>
    public static WebApplicationBuilder CreateBuilder(BrokerOptions options, ILogStore? store = null, TimeSpan? shutdownTimeout = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        TimeSpan timeout = shutdownTimeout ?? ShutdownTimeout;
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = timeout);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddChronikBroker(options, store);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenChronikBroker(options));
        return builder;
    }

    /// <summary>Single-line UTC console logs at <paramref name="level"/>, with ASP.NET Core's per-request logs kept quiet.</summary>
    public static void UseConsoleLogging(ILoggingBuilder logging, LogLevel level)
    {
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });
        SetLevel(logging, level);
    }

    /// <summary>Sends the broker's logs into an existing factory (a test's, say) at <paramref name="level"/>.</summary>
    public static void UseLoggerFactory(ILoggingBuilder logging, ILoggerFactory factory, LogLevel level)
    {
        logging.AddProvider(new ForwardingLoggerProvider(factory));
        SetLevel(logging, level);
    }

    /// <summary>Listens on <paramref name="host"/>:<paramref name="port"/>: an address, localhost, or every address a name resolves to.</summary>
    public static void Listen(KestrelServerOptions kestrel, string host, int port)
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

    private static void SetLevel(ILoggingBuilder logging, LogLevel level)
    {
        logging.SetMinimumLevel(level);
        // Per-request ASP.NET Core logs would drown the broker's own at information level.
        logging.AddFilter("Microsoft.AspNetCore", level <= LogLevel.Debug ? level : LogLevel.Warning);
    }
}
