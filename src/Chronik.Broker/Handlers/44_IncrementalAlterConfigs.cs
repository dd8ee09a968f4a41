// IncrementalAlterConfigs (key 44), v0-1.
// SET, DELETE, APPEND and SUBTRACT (the last two for LIST configs such as cleanup.policy; on an unset key they start from
// Kafka's default, as Kafka does) change only the named keys of a TOPIC or of the BROKER's dynamic configs (this node's
// id, or the empty name for the cluster-wide default). Persisted and in effect at once; validate_only changes nothing.
// A refused broker config (read-only key, bad value) is INVALID_REQUEST, as in Kafka; a null value outside DELETE too. GROUP (32): consumer.session.timeout.ms and
// consumer.heartbeat.interval.ms (and the share.* keys, stored only) within the broker's group.consumer.min/max bounds,
// used by the KIP-848 coordinator at the group's next heartbeat. BROKER_LOGGER and other types: INVALID_REQUEST.
// With an authorizer: ALTER_CONFIGS on the topic / group, or the cluster for broker resources.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Changes individual topic or dynamic broker configs.</summary>
public sealed class IncrementalAlterConfigsHandler : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    private readonly ConfigAlterer _alterer;
    private readonly IRequestAuthorizer _auth;

    public IncrementalAlterConfigsHandler(ConfigAlterer alterer, IRequestAuthorizer auth)
    {
        _alterer = alterer;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.IncrementalAlterConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var changes = resource.Configs.Select(c => new ConfigChange(c.Name, (ConfigOperation)c.ConfigOperation, c.Value)).ToList();
            var denied = _auth.AuthorizeConfigResource(context, AclOperation.AlterConfigs, resource.ResourceType, resource.ResourceName);
            var (error, message) = denied != ErrorCode.None ? (denied, null) : _alterer.Alter(resource.ResourceType, resource.ResourceName, changes, replaceAll: false, request.ValidateOnly);
            response.Responses.Add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)error,
                ErrorMessage = message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return new(response);
    }
}
