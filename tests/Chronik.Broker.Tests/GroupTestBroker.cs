using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Tests;

/// <summary>An in-process broker for group tests: short initial rebalance delay, restartable over the same data directory.</summary>
public sealed class GroupTestBroker : IAsyncDisposable
{
    private WebApplication? _app;

    public GroupTestBroker(int initialRebalanceDelayMs = 100, int partitions = 4)
    {
        NativeKafka.EnsureResolver();
        Port = BrokerFixture.FreePort();
        Options = new BrokerOptions
        {
            BindAddress = "127.0.0.1",
            KafkaPort = Port,
            AdvertisedHost = "127.0.0.1",
            DataDir = DataDir,
            NumPartitions = partitions,
            GroupInitialRebalanceDelayMs = initialRebalanceDelayMs,
        };
    }

    public int Port { get; }
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "chronik-group-test-" + Guid.NewGuid().ToString("N"));
    public string Bootstrap => $"127.0.0.1:{Port}";
    public BrokerOptions Options { get; }
    public IServiceProvider Services => _app!.Services;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddChronikBroker(Options);
        builder.WebHost.ConfigureKestrel(k => k.ListenChronikBroker(Options));
        _app = builder.Build();
        await _app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}
