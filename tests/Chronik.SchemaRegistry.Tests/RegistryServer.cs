using System.Net;
using System.Net.Sockets;
using Chronik.Broker;
using Chronik.Broker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>An in-process broker with the Schema Registry on free 127.0.0.1 ports and a temporary data directory; restartable on the same ports and data.</summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly Action<BrokerOptions>? _configure;
    private WebApplication? _app;

    private RegistryServer(Action<BrokerOptions>? configure) => _configure = configure;

    public int KafkaPort { get; } = FreePort();
    public int RegistryPort { get; } = FreePort();
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "chronik-sr-test-" + Guid.NewGuid().ToString("N"));
    public string Bootstrap => $"127.0.0.1:{KafkaPort}";
    /// <summary>https when a listener uses TLS (the registry then serves HTTPS with the broker's keystore).</summary>
    public string Url => $"{(Https ? "https" : "http")}://127.0.0.1:{RegistryPort}";
    public bool Https { get; private set; }

    /// <summary>The running host's services (the ACL and SCRAM stores a test seeds).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("not running");

    /// <summary>Starts a broker and registry; <paramref name="configure"/> sets security options (SASL users, ACLs, TLS) before the host is built.</summary>
    public static async Task<RegistryServer> StartAsync(Action<BrokerOptions>? configure = null)
    {
        var server = new RegistryServer(configure);
        await server.StartHostAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        await StopHostAsync();
        await StartHostAsync();
    }

    private async Task StartHostAsync()
    {
        var options = new BrokerOptions
        {
            BindAddress = "127.0.0.1",
            KafkaPort = KafkaPort,
            AdvertisedHost = "127.0.0.1",
            DataDir = DataDir,
            NumPartitions = 1,
            SchemaRegistryPort = RegistryPort,
        };
        _configure?.Invoke(options);
        Https = options.Listeners.Any(l => l.Security.UsesTls);
        WebApplicationBuilder builder = BrokerHost.CreateBuilder(options, shutdownTimeout: TimeSpan.FromSeconds(2));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddChronikSchemaRegistry(options);
        _app = builder.Build();
        _app.MapChronikSchemaRegistry();
        await _app.StartAsync();
    }

    private async Task StopHostAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopHostAsync();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

