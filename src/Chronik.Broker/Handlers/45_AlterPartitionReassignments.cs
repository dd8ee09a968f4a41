// AlterPartitionReassignments (key 45), v0-1.
// One node, one replica per partition: reassigning a partition to [this node] (its current replicas) is a no-op
// success; cancelling (null replicas) answers NO_REASSIGNMENT_IN_PROGRESS, since none ever is; an empty list, a
// repeated broker or any other broker id is INVALID_REPLICA_ASSIGNMENT; unknown topics or partitions
// UNKNOWN_TOPIC_OR_PARTITION. Messages follow Kafka's controller.
// v1 (KIP-860): with AllowReplicationFactorChange false, a target list whose length differs from the partition's
// one replica is INVALID_REPLICATION_FACTOR (checked before the list itself, as Kafka's controller does); the
// response echoes the flag.
// With an authorizer: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
using System.Globalization;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers partition reassignments for a one-node cluster.</summary>
public sealed class AlterPartitionReassignmentsHandler : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public AlterPartitionReassignmentsHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.AlterPartitionReassignments;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<AlterPartitionReassignmentsResponse?> HandleAsync(RequestContext context, AlterPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.AuthorizeCluster(context, AclOperation.Alter))
        {
            return new(new AlterPartitionReassignmentsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed, ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.ClusterAuthorizationFailed) });
        }
        bool allowRfChange = context.ApiVersion < 1 || request.AllowReplicationFactorChange;
        var response = new AlterPartitionReassignmentsResponse { ErrorMessage = null, AllowReplicationFactorChange = allowRfChange };
        foreach (var requested in request.Topics)
        {
            var result = new AlterPartitionReassignmentsResponse.ReassignableTopicResponse { Name = requested.Name };
            var topic = _cluster.Topics.Get(requested.Name);
            foreach (var p in requested.Partitions)
            {
                var (error, message) = topic is null || p.PartitionIndex < 0 || p.PartitionIndex >= topic.PartitionCount
                    ? (ErrorCode.UnknownTopicOrPartition, (string?)"The partition does not exist.")
                    : Check(p.Replicas, allowRfChange);
                result.Partitions.Add(new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)error,
                    ErrorMessage = message,
                });
            }
            response.Responses.Add(result);
        }
        return new(response);
    }

    private (ErrorCode, string?) Check(List<int>? replicas, bool allowRfChange)
    {
        if (replicas is null) return (ErrorCode.NoReassignmentInProgress, "No ongoing reassignment for this partition.");
        if (!allowRfChange && replicas.Count != CurrentReplicationFactor)
        {
            return (ErrorCode.InvalidReplicationFactor, $"The replication factor is changed from {S(CurrentReplicationFactor)} to {S(replicas.Count)}");
        }
        if (replicas.Count == 0) return (ErrorCode.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.");
        var repeated = replicas.GroupBy(r => r).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes the broker {S(repeated.Key)} more than once.");
        foreach (int r in replicas)
        {
            if (r != _cluster.NodeId) return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes broker {S(r)}, but no such broker is registered.");
        }
        return (ErrorCode.None, null);
    }

    /// <summary>Every partition has exactly this node as its replica.</summary>
    private const int CurrentReplicationFactor = 1;

    private static string S(int v) => v.ToString(CultureInfo.InvariantCulture);
}
