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
    private WebApplication? _app;

    public int KafkaPort { get; } = FreePort();
    public int RegistryPort { get; } = FreePort();
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "chronik-sr-test-" + Guid.NewGuid().ToString("N"));
    public string Bootstrap => $"127.0.0.1:{KafkaPort}";
    public string Url => $"http://127.0.0.1:{RegistryPort}";

    public static async Task<RegistryServer> StartAsync()
    {
        var server = new RegistryServer();
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

