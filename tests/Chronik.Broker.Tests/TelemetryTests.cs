using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>
/// KIP-714 client telemetry: not advertised by default (Kafka serves it only with a telemetry receiver configured;
/// librdkafka's 0086 purge test stalls behind a telemetry request it need not send), served with client.telemetry.enable.
/// </summary>
public class TelemetryTests
{
    private static async Task<T> WithBroker<T>(bool telemetry, Func<BrokerFixture, T> body)
    {
        var broker = new BrokerFixture { ConfigureOptions = o => o.ClientTelemetryEnable = telemetry };
        await broker.InitializeAsync();
        try { return body(broker); }
        finally { await broker.DisposeAsync(); }
    }

    private static T Call<T>(BrokerFixture broker, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(broker.Port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private static List<short> AdvertisedKeys(BrokerFixture broker) =>
        Call<ApiVersionsResponse>(broker, new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, 3)
            .ApiKeys.Select(k => k.ApiKey).ToList();

    [Fact]
    public async Task Telemetry_is_not_advertised_by_default()
    {
        var keys = await WithBroker(false, AdvertisedKeys);
        Assert.DoesNotContain((short)ApiKey.GetTelemetrySubscriptions, keys);
        Assert.DoesNotContain((short)ApiKey.PushTelemetry, keys);
        Assert.Contains((short)ApiKey.Produce, keys);
    }

    [Fact]
    public async Task Telemetry_v0_subscribes_to_nothing_and_checks_pushes() => await WithBroker(true, broker =>
    {
        Assert.Contains((short)ApiKey.GetTelemetrySubscriptions, AdvertisedKeys(broker));
        T Call<T>(IKafkaMessage request, short version) where T : IKafkaMessage, new() => TelemetryTests.Call<T>(broker, request, version);
        var sub = Call<GetTelemetrySubscriptionsResponse>(new GetTelemetrySubscriptionsRequest { ClientInstanceId = Guid.Empty }, 0);
        Assert.Equal(0, sub.ErrorCode);
        Assert.NotEqual(Guid.Empty, sub.ClientInstanceId);
        Assert.Empty(sub.RequestedMetrics);
        Assert.Equal(300_000, sub.PushIntervalMs);
        Assert.Equal(1_048_576, sub.TelemetryMaxBytes);
        Assert.True(sub.DeltaTemporality);
        Assert.Equal([4, 3, 1, 2], sub.AcceptedCompressionTypes.Select(x => (int)x));

        var again = Call<GetTelemetrySubscriptionsResponse>(new GetTelemetrySubscriptionsRequest { ClientInstanceId = sub.ClientInstanceId }, 0);
        Assert.Equal((sub.ClientInstanceId, sub.SubscriptionId), (again.ClientInstanceId, again.SubscriptionId));

        PushTelemetryResponse Push(Guid id, int subscription, sbyte compression = 0, bool terminating = false, int bytes = 0) =>
            Call<PushTelemetryResponse>(new PushTelemetryRequest { ClientInstanceId = id, SubscriptionId = subscription, CompressionType = compression, Terminating = terminating, Metrics = new byte[bytes] }, 0);

        Assert.Equal(0, Push(sub.ClientInstanceId, sub.SubscriptionId, bytes: 10).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownSubscriptionId, Push(sub.ClientInstanceId, sub.SubscriptionId + 1).ErrorCode);
        Assert.Equal((short)KafkaError.UnsupportedCompressionType, Push(sub.ClientInstanceId, sub.SubscriptionId, compression: 9).ErrorCode);
        Assert.Equal((short)KafkaError.TelemetryTooLarge, Push(sub.ClientInstanceId, sub.SubscriptionId, bytes: 1_048_577).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, Push(Guid.Empty, 0).ErrorCode);
        Assert.Equal(0, Push(sub.ClientInstanceId, sub.SubscriptionId, terminating: true).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, Push(sub.ClientInstanceId, sub.SubscriptionId).ErrorCode);
        return 0;
    });
}
