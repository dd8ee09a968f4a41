// ListConfigResources (key 74), v0-1; Kafka 4.3 renamed it from ListClientMetricsResources.
// v0 lists CLIENT_METRICS resources only: none, as there are no client-metrics subscriptions here. v1 (KIP-1142)
// lists the requested types, or all five when none is named, in Kafka's order: GROUP (groups with dynamic configs),
// CLIENT_METRICS (none), BROKER_LOGGER and BROKER (this node's id), TOPIC (every topic); names sorted within a type.
// Any other type fails the whole request with UNSUPPORTED_VERSION, as Kafka. DESCRIBE_CONFIGS on the cluster is
// required (CLUSTER_AUTHORIZATION_FAILED). Differs from Kafka: within a type, names come sorted, not in hash order.
using System.Globalization;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Configs;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Lists the resources a DescribeConfigs or IncrementalAlterConfigs can name.</summary>
public sealed class ListConfigResourcesHandler : ApiHandler<ListConfigResourcesRequest, ListConfigResourcesResponse>
{
    private const sbyte Topic = 2, Broker = 4, BrokerLogger = 8, ClientMetrics = 16, Group = 32;
    private readonly ClusterView _cluster;
    private readonly GroupConfigStore _groups;
    private readonly IRequestAuthorizer _auth;

    public ListConfigResourcesHandler(ClusterView cluster, GroupConfigStore groups, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _groups = groups;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.ListConfigResources;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<ListConfigResourcesResponse?> HandleAsync(RequestContext context, ListConfigResourcesRequest request, CancellationToken cancellationToken)
    {
        var response = new ListConfigResourcesResponse();
        if (!_auth.AuthorizeCluster(context, AclOperation.DescribeConfigs))
        {
            response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
            return new(response);
        }
        var requested = context.ApiVersion >= 1 ? request.ResourceTypes : [ClientMetrics];
        if (requested.Any(t => t is not (Topic or Broker or BrokerLogger or ClientMetrics or Group)))
        {
            response.ErrorCode = (short)ErrorCode.UnsupportedVersion;
            return new(response);
        }
        bool Wants(sbyte type) => requested.Count == 0 || requested.Contains(type);
        string node = _cluster.NodeId.ToString(CultureInfo.InvariantCulture);
        if (Wants(Group)) Add(response, Group, _groups.ConfiguredGroups);
        if (Wants(BrokerLogger)) Add(response, BrokerLogger, [node]);
        if (Wants(Broker)) Add(response, Broker, [node]);
        if (Wants(Topic)) Add(response, Topic, _cluster.Topics.Topics.Select(t => t.Name));
        return new(response);
    }

    private static void Add(ListConfigResourcesResponse response, sbyte type, IEnumerable<string> names)
    {
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            response.ConfigResources.Add(new ListConfigResourcesResponse.ConfigResource { ResourceName = name, ResourceType = type });
        }
    }
}
