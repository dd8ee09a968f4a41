// PushTelemetry (key 72), v0.
// Checked as Kafka checks it, then discarded (there is no telemetry receiver): a zero or reserved instance id, or one
// that already pushed with terminating=true, gets INVALID_REQUEST; a subscription id other than the one
// GetTelemetrySubscriptions gave gets UNKNOWN_SUBSCRIPTION_ID; an unknown compression type UNSUPPORTED_COMPRESSION_TYPE;
// more than telemetry.max.bytes TELEMETRY_TOO_LARGE. Differs from Kafka: no push-interval throttling.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Accepts (and drops) client metrics pushes.</summary>
public sealed class PushTelemetryHandler : ApiHandler<PushTelemetryRequest, PushTelemetryResponse>
{
    private readonly ClientTelemetry _telemetry;

    public PushTelemetryHandler(ClientTelemetry telemetry) => _telemetry = telemetry;

    public override ApiKey Key => ApiKey.PushTelemetry;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<PushTelemetryResponse?> HandleAsync(RequestContext context, PushTelemetryRequest request, CancellationToken cancellationToken) =>
        new(new PushTelemetryResponse { ErrorCode = (short)_telemetry.Push(request) });
}
