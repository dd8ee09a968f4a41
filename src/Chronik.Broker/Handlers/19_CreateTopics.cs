// CreateTopics (key 19), v0-7.
// num_partitions / replication_factor -1 take the broker defaults; a replication factor above 1 is
// INVALID_REPLICATION_FACTOR (one broker). Manual assignments must name only this node, one replica per
// partition, with num_partitions and replication_factor -1 (else INVALID_REQUEST, as Kafka's controller says).
// A name repeated in one request gets INVALID_REQUEST once. v5+ returns the topic's configs with their
// sources; validate_only answers the same but creates nothing (and returns a zero topic id at v7).
// With an authorizer: CREATE on the cluster or the topic (TOPIC_AUTHORIZATION_FAILED); configs need DESCRIBE_CONFIGS on the topic.
// Limits (validate_only too): more than max.partitions.per.request partitions over the authorized topics is POLICY_VIOLATION
// for each of them (as Kafka's controller does past 10,000); a topic past max.broker.partitions is POLICY_VIOLATION.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Creates topics through the topic manager.</summary>
public sealed class CreateTopicsHandler : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    private readonly ClusterView _cluster;
    private readonly BrokerOptions _options;
    private readonly IRequestAuthorizer _auth;

    public CreateTopicsHandler(ClusterView cluster, BrokerOptions options, IRequestAuthorizer auth)
    {
        _auth = auth;
        _cluster = cluster;
        _options = options;
    }

    public override ApiKey Key => ApiKey.CreateTopics;
    public override short MinVersion => 0;
    public override short MaxVersion => 7;

    protected override ValueTask<CreateTopicsResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new CreateTopicsResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in request.Topics)
        {
            if (!seen.Add(t.Name)) duplicates.Add(t.Name);
        }
        bool clusterCreate = _auth.AuthorizeCluster(context, AclOperation.Create);
        var authorized = new bool[request.Topics.Count];
        long requested = 0;
        for (int i = 0; i < authorized.Length; i++)
        {
            var t = request.Topics[i];
            if (duplicates.Contains(t.Name)) continue;
            authorized[i] = clusterCreate || _auth.Authorize(context, AclOperation.Create, AclResourceType.Topic, t.Name);
            if (authorized[i]) requested += RequestedPartitions(t);
        }
        string? tooMany = PartitionRequestLimit.Check(requested, _options.MaxPartitionsPerRequest);
        for (int i = 0; i < authorized.Length; i++)
        {
            var t = request.Topics[i];
            if (duplicates.Contains(t.Name)) continue;
            if (!authorized[i]) response.Topics.Add(Error(t.Name, ErrorCode.TopicAuthorizationFailed, "Authorization failed."));
            else if (tooMany is not null) response.Topics.Add(Error(t.Name, ErrorCode.PolicyViolation, tooMany));
            else response.Topics.Add(Create(v, t, request.ValidateOnly));
        }
        if (_auth.Enabled && v >= 5)
        {
            foreach (var r in response.Topics)
            {
                if (_auth.Authorize(context, AclOperation.DescribeConfigs, AclResourceType.Topic, r.Name)) continue;
                r.TopicConfigErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                r.Configs = null;
            }
        }
        foreach (var name in duplicates)
        {
            response.Topics.Add(Error(name, ErrorCode.InvalidRequest, "Duplicate topic name."));
        }
        return new(response);
    }

    private CreateTopicsResponse.CreatableTopicResult Create(short v, CreateTopicsRequest.CreatableTopic t, bool validateOnly)
    {
        if (TopicNames.Validate(t.Name) is { } badName) return Error(t.Name, ErrorCode.InvalidTopicException, badName);
        int partitions = t.NumPartitions;
        short replicationFactor = t.ReplicationFactor;
        if (t.Assignments.Count > 0)
        {
            if (CheckAssignments(t) is { } bad) return Error(t.Name, bad.Code, bad.Message);
            partitions = t.Assignments.Count;
            replicationFactor = 1;
        }
        var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var c in t.Configs) configs[c.Name] = c.Value;
        var created = _cluster.Topics.Create(t.Name, partitions, replicationFactor, configs, validateOnly);
        if (created.Error != ErrorCode.None || created.Topic is not { } topic) return Error(t.Name, created.Error, created.Message);

        var result = new CreateTopicsResponse.CreatableTopicResult { Name = t.Name, ErrorCode = 0, ErrorMessage = null };
        if (v >= 7 && !validateOnly) result.TopicId = topic.Id;
        if (v >= 5)
        {
            result.NumPartitions = topic.PartitionCount;
            result.ReplicationFactor = 1;
            result.Configs = ConfigDescriber.DescribeTopic(topic, _cluster.Topics, _options)
                .Select(c => new CreateTopicsResponse.CreatableTopicConfigs
                {
                    Name = c.Name,
                    Value = c.Value,
                    ReadOnly = false,
                    ConfigSource = c.Source,
                    IsSensitive = false,
                })
                .ToList();
        }
        return result;
    }

    // What a topic would add, counted as Kafka's controller counts it: the assignments, else the (default) partition count.
    private int RequestedPartitions(CreateTopicsRequest.CreatableTopic t) =>
        t.Assignments.Count > 0 ? t.Assignments.Count
            : t.NumPartitions == -1 ? _cluster.Topics.Defaults.NumPartitions
            : Math.Max(0, t.NumPartitions);

    private (ErrorCode Code, string Message)? CheckAssignments(CreateTopicsRequest.CreatableTopic t)
    {
        if (t.NumPartitions != -1) return (ErrorCode.InvalidRequest, "A manual partition assignment was specified, but numPartitions was not set to -1.");
        if (t.ReplicationFactor != -1) return (ErrorCode.InvalidRequest, "A manual partition assignment was specified, but replication factor was not set to -1.");
        int expected = 0;
        foreach (var a in t.Assignments.OrderBy(a => a.PartitionIndex))
        {
            if (a.PartitionIndex != expected++) return (ErrorCode.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence");
            if (AdminAssignments.Check(a.BrokerIds, _cluster.NodeId) is { } why) return (ErrorCode.InvalidReplicaAssignment, why);
        }
        return null;
    }

    private static CreateTopicsResponse.CreatableTopicResult Error(string name, ErrorCode code, string? message) =>
        new() { Name = name, ErrorCode = (short)code, ErrorMessage = message };
}
