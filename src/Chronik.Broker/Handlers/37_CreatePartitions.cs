// CreatePartitions (key 37), v0-3.
// Grows a topic's partition count; a count not above the current one is INVALID_PARTITIONS. Manual
// assignments must give one list per new partition naming only this node (INVALID_REPLICA_ASSIGNMENT
// otherwise). validate_only checks without creating. A topic repeated in one request gets INVALID_REQUEST.
// With an authorizer: ALTER on each topic, else TOPIC_AUTHORIZATION_FAILED.
// Limits (validate_only too): more than max.partitions.per.request new partitions over the authorized topics is
// POLICY_VIOLATION for each of them; growing past max.broker.partitions is POLICY_VIOLATION for that topic.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Adds partitions to existing topics.</summary>
public sealed class CreatePartitionsHandler : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;
    private readonly BrokerOptions _options;

    public CreatePartitionsHandler(ClusterView cluster, IRequestAuthorizer auth, BrokerOptions options)
    {
        _cluster = cluster;
        _auth = auth;
        _options = options;
    }

    public override ApiKey Key => ApiKey.CreatePartitions;
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override ValueTask<CreatePartitionsResponse?> HandleAsync(RequestContext context, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreatePartitionsResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in request.Topics)
        {
            if (!seen.Add(t.Name)) duplicates.Add(t.Name);
        }
        var authorized = new bool[request.Topics.Count];
        long requested = 0;
        for (int i = 0; i < authorized.Length; i++)
        {
            var t = request.Topics[i];
            if (duplicates.Contains(t.Name)) continue;
            authorized[i] = _auth.Authorize(context, AclOperation.Alter, AclResourceType.Topic, t.Name);
            if (authorized[i] && _cluster.Topics.Get(t.Name) is { } topic) requested += Math.Max(0, t.Count - topic.PartitionCount);
        }
        string? tooMany = PartitionRequestLimit.Check(requested, _options.MaxPartitionsPerRequest);
        for (int i = 0; i < authorized.Length; i++)
        {
            var t = request.Topics[i];
            if (duplicates.Contains(t.Name)) continue;
            var (code, message) = !authorized[i] ? (ErrorCode.TopicAuthorizationFailed, "The topic authorization is failed.")
                : tooMany is not null ? (ErrorCode.PolicyViolation, tooMany)
                : Grow(t, request.ValidateOnly);
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = t.Name, ErrorCode = (short)code, ErrorMessage = message });
        }
        foreach (var name in duplicates)
        {
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = name, ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "Duplicate topic name." });
        }
        return new(response);
    }

    private (ErrorCode, string?) Grow(CreatePartitionsRequest.CreatePartitionsTopic t, bool validateOnly)
    {
        var topic = _cluster.Topics.Get(t.Name);
        if (topic is null) return (ErrorCode.UnknownTopicOrPartition, $"Unable to find topic {t.Name}");
        if (t.Count <= topic.PartitionCount)
        {
            return (ErrorCode.InvalidPartitions, t.Count == topic.PartitionCount
                ? $"Topic already has {topic.PartitionCount} partition(s)."
                : $"The topic {t.Name} currently has {topic.PartitionCount} partition(s); {t.Count} would not be an increase.");
        }
        if (t.Assignments is { Count: > 0 } assignments)
        {
            int adding = t.Count - topic.PartitionCount;
            if (assignments.Count != adding)
            {
                return (ErrorCode.InvalidReplicaAssignment, $"Attempted to add {adding} additional partition(s), but only {assignments.Count} assignment(s) were specified.");
            }
            foreach (var a in assignments)
            {
                if (AdminAssignments.Check(a.BrokerIds, _cluster.NodeId) is { } why) return (ErrorCode.InvalidReplicaAssignment, why);
            }
        }
        var result = _cluster.Topics.CreatePartitions(t.Name, t.Count, validateOnly);
        return (result.Error, result.Error == ErrorCode.None ? null : result.Message);
    }
}
