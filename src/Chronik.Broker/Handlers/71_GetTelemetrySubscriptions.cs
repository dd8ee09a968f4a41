// GetTelemetrySubscriptions (key 71), v0.
// KIP-714 answered as a broker with no client-metrics subscriptions: an empty RequestedMetrics list (push nothing),
// Kafka's default push interval (300000 ms) and telemetry.max.bytes (1 MiB), zstd/lz4/gzip/snappy accepted, delta
// temporality. A zero instance id gets a new one. Differs from Kafka: Kafka advertises 71/72 only when a telemetry
// receiver plugin is configured, and throttles a re-request before the push interval; we advertise them only with
// client.telemetry.enable=true, and do not throttle.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Tells a client which metrics to push: none.</summary>
public sealed class GetTelemetrySubscriptionsHandler : ApiHandler<GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse>
{
    private readonly ClientTelemetry _telemetry;

    public GetTelemetrySubscriptionsHandler(ClientTelemetry telemetry) => _telemetry = telemetry;

    public override ApiKey Key => ApiKey.GetTelemetrySubscriptions;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<GetTelemetrySubscriptionsResponse?> HandleAsync(RequestContext context, GetTelemetrySubscriptionsRequest request, CancellationToken cancellationToken) =>
        new(_telemetry.Subscribe(request.ClientInstanceId));
}
