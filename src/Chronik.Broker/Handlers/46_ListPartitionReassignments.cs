// ListPartitionReassignments (key 46), v0.
// No reassignment is ever in progress on a one-node cluster: the answer is always an empty topic list, for all
// partitions (null topics) or named ones (unknown names are skipped, as Kafka's controller skips them).
// With an authorizer: DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Lists ongoing partition reassignments: none.</summary>
public sealed class ListPartitionReassignmentsHandler : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    private readonly IRequestAuthorizer _auth;

    public ListPartitionReassignmentsHandler(IRequestAuthorizer auth) => _auth = auth;

    public override ApiKey Key => ApiKey.ListPartitionReassignments;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<ListPartitionReassignmentsResponse?> HandleAsync(RequestContext context, ListPartitionReassignmentsRequest request, CancellationToken cancellationToken) =>
        new(_auth.AuthorizeCluster(context, AclOperation.Describe)
            ? new ListPartitionReassignmentsResponse { ErrorMessage = null }
            : new ListPartitionReassignmentsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed, ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.ClusterAuthorizationFailed) });
}
