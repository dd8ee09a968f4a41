// AlterClientQuotas (key 49), v0-1.
// Sets or removes (remove=true) producer_byte_rate, consumer_byte_rate (LONG) and request_percentage (DOUBLE) for
// user / client-id entities, defaults included; validate_only checks without changing anything. Each entity
// succeeds or fails alone with INVALID_REQUEST and Kafka's message (unknown key, value <= 0, fractional rate,
// duplicate key or entity, bad entity). Changes are persisted (client-quotas.json) before the answer and apply to
// the next request. ip entities (connection_creation_rate) are refused: connection rate quotas are not enforced.
// request_percentage is enforced by Network.ResponseWriter (request quotas).
using Chronik.Broker.Dispatch;
using Chronik.Coordination.Quotas;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Changes client quotas.</summary>
public sealed class AlterClientQuotasHandler : ApiHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>
{
    private readonly ClientQuotaStore _store;

    public AlterClientQuotasHandler(ClientQuotaStore store) => _store = store;

    public override ApiKey Key => ApiKey.AlterClientQuotas;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<AlterClientQuotasResponse?> HandleAsync(RequestContext context, AlterClientQuotasRequest request, CancellationToken cancellationToken) =>
        new(_store.Alter(request));
}
