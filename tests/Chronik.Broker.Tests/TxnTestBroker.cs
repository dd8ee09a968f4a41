using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Tests;

/// <summary>An in-process broker of its own that can be stopped and started again on the same data directory and port.</summary>
public sealed class TxnTestBroker : IAsyncDisposable
{
    private WebApplication? _app;

    public int Port { get; } = BrokerFixture.FreePort();
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "chronik-txn-" + Guid.NewGuid().ToString("N"));
    public string Bootstrap => $"127.0.0.1:{Port}";
    public Action<BrokerOptions>? Configure { get; init; }
    public IServiceProvider Services => _app!.Services;

    public static async Task<TxnTestBroker> StartAsync(Action<BrokerOptions>? configure = null)
    {
        NativeKafka.EnsureResolver();
        var b = new TxnTestBroker { Configure = configure };
        await b.StartAgainAsync();
        return b;
    }

    public async Task StartAgainAsync()
    {
        var options = new BrokerOptions
        {
            BindAddress = "127.0.0.1", KafkaPort = Port, AdvertisedHost = "127.0.0.1", DataDir = DataDir, NumPartitions = 1,
        };
        Configure?.Invoke(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddChronikBroker(options);
        builder.WebHost.ConfigureKestrel(k => k.ListenChronikBroker(options));
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

    public void CreateTopic(string name, int partitions = 1)
    {
        var r = ((Chronik.Coordination.Topics.TopicManager)Services.GetService(typeof(Chronik.Coordination.Topics.TopicManager))!).Create(name, partitions, 1, null, false);
        if (r.Error != ErrorCode.None && r.Error != ErrorCode.TopicAlreadyExists) throw new InvalidOperationException(r.Error.ToString());
    }

    /// <summary>
    /// Finalizes transaction.version at <paramref name="level"/> through UpdateFeatures (an upgrade or a safe downgrade
    /// from the fresh cluster's default), so a test can run against transactions v1 and v2 alike.
    /// </summary>
    public void FinalizeTransactionVersion(short level)
    {
        var r = Call<UpdateFeaturesResponse>(new UpdateFeaturesRequest
        {
            FeatureUpdates =
            [
                new UpdateFeaturesRequest.FeatureUpdateKey
                {
                    Feature = "transaction.version", MaxVersionLevel = level, UpgradeType = level >= 2 ? (sbyte)1 : (sbyte)2,
                },
            ],
        }, 1);
        var error = r.ErrorCode != 0 ? r.ErrorCode : r.Results.Select(x => x.ErrorCode).FirstOrDefault(e => e != 0);
        if (error != 0) throw new InvalidOperationException($"UpdateFeatures transaction.version={level}: error {error} {r.ErrorMessage}");
    }

    /// <summary>Sends one request on a fresh connection and decodes the answer.</summary>
    public TResponse Call<TResponse>(IKafkaMessage request, short version) where TResponse : IKafkaMessage, new()
    {
        using var c = new RawClient(Port);
        int corr = c.Send(request, version);
        return c.Receive<TResponse>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }
}
