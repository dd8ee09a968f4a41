// DescribeClientQuotas (key 48), v0-1.
// Entities are user and client-id (default entities have a null name); filters match exact names, the default
// entity, or any name of a type (MATCH_TYPE_SPECIFIED), and strict excludes entities with other components, as in
// Kafka. There are no ip entities (connection_creation_rate is not supported), so an ip filter matches nothing.
// Invalid filters answer INVALID_REQUEST (unknown entity types UNSUPPORTED_VERSION) with Kafka's message.
using Chronik.Broker.Dispatch;
using Chronik.Coordination.Quotas;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Lists the client quotas matching a filter.</summary>
public sealed class DescribeClientQuotasHandler : ApiHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>
{
    private readonly ClientQuotaStore _store;

    public DescribeClientQuotasHandler(ClientQuotaStore store) => _store = store;

    public override ApiKey Key => ApiKey.DescribeClientQuotas;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<DescribeClientQuotasResponse?> HandleAsync(RequestContext context, DescribeClientQuotasRequest request, CancellationToken cancellationToken) =>
        new(_store.Describe(request));
}
