// AlterConfigs (key 33), v0-2.
// Legacy semantics: the named configs replace the resource's whole set of overrides (unnamed keys revert to the broker
// default). TOPIC: validated by the config catalog, appended to the metadata log as ConfigRecords, applied to the partition logs at once.
// BROKER: this node's id or the empty name (cluster-wide default); only the log defaults topics fall back to are dynamic;
// a refused broker config (read-only key, bad value) and a null value are INVALID_REQUEST, as in Kafka. GROUP (32): a
// consumer group's configs (GroupConfigStore; the empty name: INVALID_REQUEST). BROKER_LOGGER, other types: INVALID_REQUEST.
// With an authorizer: ALTER_CONFIGS on the topic / group, or the cluster for broker resources.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Replaces topic or dynamic broker configs.</summary>
public sealed class AlterConfigsHandler : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    private readonly ConfigAlterer _alterer;
    private readonly IRequestAuthorizer _auth;

    public AlterConfigsHandler(ConfigAlterer alterer, IRequestAuthorizer auth)
    {
        _alterer = alterer;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.AlterConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<AlterConfigsResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var changes = resource.Configs.Select(c => new ConfigChange(c.Name, ConfigOperation.Set, c.Value)).ToList();
            var denied = _auth.AuthorizeConfigResource(context, AclOperation.AlterConfigs, resource.ResourceType, resource.ResourceName);
            var (error, message) = denied != ErrorCode.None ? (denied, null) : _alterer.Alter(resource.ResourceType, resource.ResourceName, changes, replaceAll: true, request.ValidateOnly);
            response.Responses.Add(new AlterConfigsResponse.AlterConfigsResourceResponse
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
