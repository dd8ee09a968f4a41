// IncrementalAlterConfigs (key 44), v0-1.
// SET, DELETE, APPEND and SUBTRACT (the last two for LIST configs such as cleanup.policy; on an unset key they start from
// Kafka's default, as Kafka does) change only the named keys of a TOPIC or of the BROKER's dynamic configs (this node's
// id, or the empty name for the cluster-wide default). Persisted and in effect at once; validate_only changes nothing.
// Non-dynamic broker keys: INVALID_CONFIG (read-only). BROKER_LOGGER and other types: INVALID_REQUEST.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Changes individual topic or dynamic broker configs.</summary>
public sealed class IncrementalAlterConfigsHandler : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    private readonly ConfigAlterer _alterer;

    public IncrementalAlterConfigsHandler(ConfigAlterer alterer) => _alterer = alterer;

    public override ApiKey Key => ApiKey.IncrementalAlterConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var changes = resource.Configs.Select(c => new ConfigChange(c.Name, (ConfigOperation)c.ConfigOperation, c.Value)).ToList();
            var (error, message) = _alterer.Alter(resource.ResourceType, resource.ResourceName, changes, replaceAll: false, request.ValidateOnly);
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
