// AlterShareGroupOffsets (key 91), v0: sets the start offset (SPSO) of share partitions; each starts again there with no
// in-flight records. Only while the group has no members (NON_EMPTY_GROUP); a group without state gets it. A negative
// offset is INVALID_REQUEST, an unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION. Durable in __share_group_state.
// With share.version finalized at 0: not advertised, and UNSUPPORTED_VERSION.
// With an authorizer: READ on the group (GROUP_AUTHORIZATION_FAILED) and on each topic (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Alters share group start offsets through the share group service.</summary>
public sealed class AlterShareGroupOffsetsHandler : ApiHandler<AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse>, IFeatureGatedHandler
{
    private readonly ShareGroupService _shares;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public AlterShareGroupOffsetsHandler(ShareGroupService shares, ClusterView cluster, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _cluster = cluster;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.AlterShareGroupOffsets;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    protected override async ValueTask<AlterShareGroupOffsetsResponse?> HandleAsync(RequestContext context, AlterShareGroupOffsetsRequest request, CancellationToken cancellationToken)
    {
        if (!_features.ShareGroupsEnabled) return new AlterShareGroupOffsetsResponse { ErrorCode = (short)ErrorCode.UnsupportedVersion };
        if (string.IsNullOrEmpty(request.GroupId)) return new AlterShareGroupOffsetsResponse { ErrorCode = (short)ErrorCode.InvalidGroupId };
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new AlterShareGroupOffsetsResponse
            {
                ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed),
            };
        }
        var response = new AlterShareGroupOffsetsResponse();
        var valid = new List<(TopicIdPartition, long)>();
        var pending = new List<AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponsePartition>();
        foreach (var t in request.Topics)
        {
            var topic = _cluster.Topics.Get(t.TopicName);
            bool allowed = _auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.TopicName);
            var rt = new AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponseTopic { TopicName = t.TopicName, TopicId = allowed ? topic?.Id ?? Guid.Empty : Guid.Empty };
            response.Responses.Add(rt);
            foreach (var p in t.Partitions)
            {
                var rp = new AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponsePartition { PartitionIndex = p.PartitionIndex };
                rt.Partitions.Add(rp);
                ErrorCode error = !allowed ? ErrorCode.TopicAuthorizationFailed
                    : topic is null || p.PartitionIndex < 0 || p.PartitionIndex >= topic.PartitionCount ? ErrorCode.UnknownTopicOrPartition
                    : p.StartOffset < 0 ? ErrorCode.InvalidRequest
                    : ErrorCode.None;
                rp.ErrorCode = (short)error;
                if (error != ErrorCode.None) continue;
                valid.Add((new TopicIdPartition(topic!.Id, p.PartitionIndex), p.StartOffset));
                pending.Add(rp);
            }
        }
        if (valid.Count > 0)
        {
            var result = await _shares.AlterStartOffsetsAsync(request.GroupId, valid).ConfigureAwait(false);
            if (result == ErrorCode.NonEmptyGroup)
            {
                response.ErrorCode = (short)result;
                response.ErrorMessage = "The group has active members: its offsets can be altered only while it is empty.";
            }
            foreach (var rp in pending) rp.ErrorCode = (short)result;
        }
        return response;
    }
}
