// DescribeConfigs (key 32), v0-4.
// TOPIC (2): every config this broker knows with its effective value and source (topic override, this node's dynamic
// broker config, the cluster-wide dynamic default, server.properties, or Kafka's default) and synonyms. BROKER (4) named
// by this node's id: every broker key of the catalog (non-dynamic ones read-only); an empty name: the cluster-wide dynamic
// defaults that are set. BROKER_LOGGER (8): an empty list (loggers are not managed over Kafka). GROUP (32): the group
// configs (consumer.session.timeout.ms, ...) with GROUP_CONFIG or DEFAULT_CONFIG source, whether or not the group exists,
// as Kafka 4.0 does; an empty name: INVALID_REQUEST. Other types (CLIENT_METRICS): INVALID_REQUEST. Every list is the
// catalog's (Chronik.Coordination/Configs/Catalog); PASSWORD keys are sensitive and reported without a value.
// With an authorizer: DESCRIBE_CONFIGS on the topic / group, or the cluster for broker resources.
using System.Globalization;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Configs;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes topic and broker configs.</summary>
public sealed class DescribeConfigsHandler : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    private const sbyte TopicResource = 2, BrokerResource = 4, BrokerLoggerResource = 8, GroupResource = 32;
    private readonly ClusterView _cluster;
    private readonly BrokerOptions _options;
    private readonly DynamicBrokerConfigs _dynamic;
    private readonly IRequestAuthorizer _auth;
    private readonly GroupConfigStore _groups;

    public DescribeConfigsHandler(ClusterView cluster, BrokerOptions options, DynamicBrokerConfigs dynamic, IRequestAuthorizer auth, GroupConfigStore groups)
    {
        _auth = auth;
        _cluster = cluster;
        _options = options;
        _dynamic = dynamic;
        _groups = groups;
    }

    public override ApiKey Key => ApiKey.DescribeConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorMessage = null,
            };
            response.Results.Add(result);
            var denied = _auth.AuthorizeConfigResource(context, AclOperation.DescribeConfigs, resource.ResourceType, resource.ResourceName);
            if (denied != ErrorCode.None)
            {
                result.ErrorCode = (short)denied;
                result.ErrorMessage = AuthorizerExtensions.AuthorizationMessage(denied);
                continue;
            }
            var (configs, error, message) = Describe(resource);
            if (error != ErrorCode.None)
            {
                result.ErrorCode = (short)error;
                result.ErrorMessage = message;
                continue;
            }
            bool all = resource.ConfigurationKeys is null || resource.ConfigurationKeys.Count == 0;
            var wanted = all ? null : new HashSet<string>(resource.ConfigurationKeys!, StringComparer.Ordinal);
            foreach (var c in configs)
            {
                if (wanted is null || wanted.Contains(c.Name)) result.Configs.Add(ToWire(v, c, request.IncludeSynonyms, request.IncludeDocumentation));
            }
        }
        return new(response);
    }

    private (IReadOnlyList<DescribedConfig> Configs, ErrorCode Error, string? Message) Describe(DescribeConfigsRequest.DescribeConfigsResource resource)
    {
        switch (resource.ResourceType)
        {
            case TopicResource:
                if (TopicNames.Validate(resource.ResourceName) is { } bad) return ([], ErrorCode.InvalidTopicException, bad);
                var topic = _cluster.Topics.Get(resource.ResourceName);
                if (topic is null) return ([], ErrorCode.UnknownTopicOrPartition, $"The topic '{resource.ResourceName}' does not exist.");
                return (ConfigDescriber.DescribeTopic(topic, _cluster.Topics, _options, _dynamic), ErrorCode.None, null);
            case BrokerResource:
                if (string.IsNullOrEmpty(resource.ResourceName)) return (ConfigDescriber.DescribeClusterDefault(_dynamic), ErrorCode.None, null);
                if (!IsThisBroker(resource.ResourceName)) return ([], ErrorCode.InvalidRequest, UnexpectedBroker(resource.ResourceName));
                return (ConfigDescriber.DescribeBroker(_options, _dynamic), ErrorCode.None, null);
            case BrokerLoggerResource:
                if (string.IsNullOrEmpty(resource.ResourceName)) return ([], ErrorCode.InvalidRequest, "Broker id must not be empty");
                if (!IsThisBroker(resource.ResourceName)) return ([], ErrorCode.InvalidRequest, UnexpectedBroker(resource.ResourceName));
                return ([], ErrorCode.None, null);
            case GroupResource:
                if (string.IsNullOrEmpty(resource.ResourceName)) return ([], ErrorCode.InvalidRequest, "Group name must not be empty");
                return (ConfigDescriber.DescribeGroup(resource.ResourceName, _groups), ErrorCode.None, null);
            default:
                return ([], ErrorCode.InvalidRequest, $"Unsupported resource type: {resource.ResourceType}");
        }
    }

    private bool IsThisBroker(string name) =>
        int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) && id == _cluster.NodeId;

    private string UnexpectedBroker(string name) =>
        $"Unexpected broker id, expected {_cluster.NodeId.ToString(CultureInfo.InvariantCulture)} or empty string, but received {name}";

    private static DescribeConfigsResponse.DescribeConfigsResourceResult ToWire(short v, DescribedConfig c, bool includeSynonyms, bool includeDocumentation)
    {
        var entry = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = c.Name,
            Value = c.Value,
            ReadOnly = c.ReadOnly,
            IsSensitive = c.Sensitive,
            Documentation = null,
        };
        if (v == 0) entry.IsDefault = c.Source == ConfigSourceId.DefaultConfig;
        if (v >= 1)
        {
            entry.ConfigSource = c.Source;
            if (includeSynonyms)
            {
                foreach (var s in c.Synonyms) entry.Synonyms.Add(new DescribeConfigsResponse.DescribeConfigsSynonym { Name = s.Name, Value = s.Value, Source = s.Source });
            }
        }
        if (v >= 3)
        {
            entry.ConfigType = c.Type;
            if (includeDocumentation) entry.Documentation = c.Documentation;
        }
        return entry;
    }
}
