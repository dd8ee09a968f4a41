// OffsetDelete (key 47), v0. Deletes committed offsets of an empty group, or of a consumer group for the
// topics no member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC otherwise; subscriptions are read from the
// members' ConsumerProtocolSubscription). GROUP_ID_NOT_FOUND for unknown groups; NON_EMPTY_GROUP for a
// non-empty group of another protocol type; UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist.
// With an authorizer: DELETE on the group, else GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions
// answer TOPIC_AUTHORIZATION_FAILED and only the authorized topics reach the coordinator.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Deletes committed offsets through the group coordinator.</summary>
public sealed class OffsetDeleteHandler : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public OffsetDeleteHandler(GroupCoordinatorService groups, ClusterView cluster, IRequestAuthorizer auth)
    {
        _auth = auth;
        _groups = groups;
        _cluster = cluster;
    }

    public override ApiKey Key => ApiKey.OffsetDelete;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override async ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Delete, AclResourceType.Group, request.GroupId))
        {
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        }
        List<OffsetDeleteRequest.OffsetDeleteRequestTopic>? denied = null;
        if (_auth.Enabled)
        {
            denied = request.Topics.Where(t => !_auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name)).ToList();
            if (denied.Count > 0) request.Topics.RemoveAll(denied.Contains);
        }
        var (response, persisted) = await _groups.ExecuteAsync((c, _) => c.DeleteOffsets(request, PartitionExists)).ConfigureAwait(false);
        if (!persisted && response.ErrorCode == 0) response.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
        foreach (var t in denied ?? [])
        {
            var topic = new OffsetDeleteResponse.OffsetDeleteResponseTopic { Name = t.Name };
            foreach (var p in t.Partitions)
            {
                topic.Partitions.Add(new OffsetDeleteResponse.OffsetDeleteResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed });
            }
            response.Topics.Add(topic);
        }
        return response;
    }

    private bool PartitionExists(string topic, int partition) =>
        _cluster.Topics.Get(topic) is { } t && partition >= 0 && partition < t.PartitionCount;
}
