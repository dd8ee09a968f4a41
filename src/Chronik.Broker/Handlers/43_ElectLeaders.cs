// ElectLeaders (key 43), v0-2.
// This node leads every partition and is its only replica, so every named partition answers ELECTION_NOT_NEEDED
// (preferred and unclean elections alike); unknown topics or partitions UNKNOWN_TOPIC_OR_PARTITION. A null partition
// list means all partitions and, as in Kafka, lists only the partitions where an election happened: none.
// An election type other than 0 (preferred) or 1 (unclean) is INVALID_REQUEST (top-level from v1).
// With an authorizer: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED for the request and every partition.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers leader elections for a one-node cluster.</summary>
public sealed class ElectLeadersHandler : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public ElectLeadersHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.ElectLeaders;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<ElectLeadersResponse?> HandleAsync(RequestContext context, ElectLeadersRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new ElectLeadersResponse();
        bool validType = v == 0 || request.ElectionType is 0 or 1;
        bool allowed = _auth.AuthorizeCluster(context, Coordination.Acls.AclOperation.Alter);
        if (!allowed && v >= 1) response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
        else if (!validType && v >= 1) response.ErrorCode = (short)ErrorCode.InvalidRequest;
        if (request.TopicPartitions is null) return new(response);
        foreach (var requested in request.TopicPartitions)
        {
            var result = new ElectLeadersResponse.ReplicaElectionResult { Topic = requested.Topic };
            var topic = _cluster.Topics.Get(requested.Topic);
            foreach (int p in requested.Partitions)
            {
                var (error, message) =
                    !allowed ? (ErrorCode.ClusterAuthorizationFailed, (string?)null)
                    : !validType ? (ErrorCode.InvalidRequest, $"Unknown election type {request.ElectionType}")
                    : topic is null ? (ErrorCode.UnknownTopicOrPartition, $"No such topic as {requested.Topic}")
                    : p < 0 || p >= topic.PartitionCount ? (ErrorCode.UnknownTopicOrPartition, $"No such partition as {requested.Topic}-{p}")
                    : (ErrorCode.ElectionNotNeeded, (string?)"Leader election not needed for topic partition: this node is the only replica and already leads it");
                result.PartitionResult.Add(new ElectLeadersResponse.PartitionResult { PartitionId = p, ErrorCode = (short)error, ErrorMessage = message });
            }
            response.ReplicaElectionResults.Add(result);
        }
        return new(response);
    }
}
