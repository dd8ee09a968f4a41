using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>An in-process broker on a free 127.0.0.1 port with a temporary data directory.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public int Port { get; private set; }
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "chronik-test-" + Guid.NewGuid().ToString("N"));
    public string Bootstrap => $"127.0.0.1:{Port}";
    public BrokerOptions Options { get; private set; } = new();
    public IServiceProvider Services => _app!.Services;
    /// <summary>Adjusts the options before start (e.g. listener security).</summary>
    public Action<BrokerOptions>? ConfigureOptions { get; init; }
    /// <summary>Registers services before the broker's own (e.g. a SCRAM credential provider).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public async Task InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        Port = FreePort();
        Options = new BrokerOptions
        {
            BindAddress = "127.0.0.1",
            KafkaPort = Port,
            AdvertisedHost = "127.0.0.1",
            DataDir = DataDir,
            NumPartitions = 1,
        };
        ConfigureOptions?.Invoke(Options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        ConfigureServices?.Invoke(builder.Services);
        builder.Services.AddChronikBroker(Options);
        builder.WebHost.ConfigureKestrel(k => k.ListenChronikBroker(Options));
        _app = builder.Build();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

[CollectionDefinition("broker")]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>;
