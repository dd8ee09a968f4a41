// DeleteShareGroupOffsets (key 92), v0: forgets a share group's state for whole topics, so their partitions start
// again where share.auto.offset.reset says (tombstones in __share_group_state). Only while the group has no members
// (NON_EMPTY_GROUP); an unknown group GROUP_ID_NOT_FOUND; an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
// With share.version finalized at 0: not advertised, and UNSUPPORTED_VERSION.
// With an authorizer: DELETE on the group (GROUP_AUTHORIZATION_FAILED), READ on each topic (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Deletes share group start offsets through the share group service.</summary>
public sealed class DeleteShareGroupOffsetsHandler : ApiHandler<DeleteShareGroupOffsetsRequest, DeleteShareGroupOffsetsResponse>, IFeatureGatedHandler
{
    private readonly ShareGroupService _shares;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public DeleteShareGroupOffsetsHandler(ShareGroupService shares, ClusterView cluster, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _cluster = cluster;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.DeleteShareGroupOffsets;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    protected override async ValueTask<DeleteShareGroupOffsetsResponse?> HandleAsync(RequestContext context, DeleteShareGroupOffsetsRequest request, CancellationToken cancellationToken)
    {
        if (!_features.ShareGroupsEnabled) return Fail(ErrorCode.UnsupportedVersion, null);
        if (string.IsNullOrEmpty(request.GroupId)) return Fail(ErrorCode.InvalidGroupId, null);
        if (!_auth.Authorize(context, AclOperation.Delete, AclResourceType.Group, request.GroupId))
        {
            return Fail(ErrorCode.GroupAuthorizationFailed, AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed));
        }
        if (!_shares.IsKnownShareGroup(request.GroupId)) return Fail(ErrorCode.GroupIdNotFound, $"Group {request.GroupId} not found.");
        var response = new DeleteShareGroupOffsetsResponse();
        var ids = new List<Guid>();
        var pending = new List<DeleteShareGroupOffsetsResponse.DeleteShareGroupOffsetsResponseTopic>();
        foreach (var t in request.Topics)
        {
            var topic = _cluster.Topics.Get(t.TopicName);
            var rt = new DeleteShareGroupOffsetsResponse.DeleteShareGroupOffsetsResponseTopic { TopicName = t.TopicName };
            response.Responses.Add(rt);
            if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.TopicName)) rt.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
            else if (topic is null) rt.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            else
            {
                rt.TopicId = topic.Id;
                ids.Add(topic.Id);
                pending.Add(rt);
            }
        }
        if (ids.Count > 0)
        {
            var result = await _shares.DeleteStartOffsetsAsync(request.GroupId, ids).ConfigureAwait(false);
            if (result == ErrorCode.NonEmptyGroup) return Fail(result, "The group has active members: its offsets can be deleted only while it is empty.");
            foreach (var rt in pending) rt.ErrorCode = (short)result;
        }
        return response;
    }

    private static DeleteShareGroupOffsetsResponse Fail(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
