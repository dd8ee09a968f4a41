// ShareGroupHeartbeat (key 76), v1: share group membership (KIP-932). The member generates its id; epoch 0 joins, -1
// leaves; the coordinator assigns with Kafka's simple assignor (several members may share a partition) and returns
// share.heartbeat.interval.ms. A member that leaves or is fenced releases the records it acquired.
// See Coordination/ShareGroups/ShareGroupCoordinator.cs and Services/ShareGroupService.cs.
// With share.version finalized at 0: not advertised, and UNSUPPORTED_VERSION, as Kafka's KafkaApis answers.
// With an authorizer: READ on the group (GROUP_AUTHORIZATION_FAILED); subscribed topics need DESCRIBE (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Passes share group heartbeats to the share group service.</summary>
public sealed class ShareGroupHeartbeatHandler : ApiHandler<ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse>, IFeatureGatedHandler
{
    private readonly ShareGroupService _shares;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public ShareGroupHeartbeatHandler(ShareGroupService shares, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.ShareGroupHeartbeat;
    public override short MinVersion => 1;
    public override short MaxVersion => 1;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    protected override async ValueTask<ShareGroupHeartbeatResponse?> HandleAsync(RequestContext context, ShareGroupHeartbeatRequest request, CancellationToken cancellationToken)
    {
        if (!_features.ShareGroupsEnabled) return Error(ErrorCode.UnsupportedVersion, null);
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return Error(ErrorCode.GroupAuthorizationFailed, AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed));
        }
        if (_auth.Enabled && request.SubscribedTopicNames is { } subscribed)
        {
            foreach (var t in subscribed)
            {
                if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, t))
                {
                    return Error(ErrorCode.TopicAuthorizationFailed, AuthorizerExtensions.AuthorizationMessage(ErrorCode.TopicAuthorizationFailed));
                }
            }
        }
        var call = new ShareGroupHeartbeatCall(request.GroupId, request.MemberId, request.MemberEpoch, request.RackId, request.SubscribedTopicNames,
            context.ClientId ?? "", ClientHost.Format(context.RemoteEndPoint));
        var a = await _shares.HeartbeatAsync(call).ConfigureAwait(false);
        var response = new ShareGroupHeartbeatResponse
        {
            ErrorCode = (short)a.Error, ErrorMessage = a.ErrorMessage, MemberId = a.MemberId, MemberEpoch = a.MemberEpoch, HeartbeatIntervalMs = a.HeartbeatIntervalMs,
        };
        if (a.Assignment is { } assignment)
        {
            response.Assignment = new ShareGroupHeartbeatResponse.AssignmentData();
            foreach (var t in assignment)
            {
                response.Assignment.TopicPartitions.Add(new ShareGroupHeartbeatResponse.TopicPartitions { TopicId = t.TopicId, Partitions = [.. t.Partitions] });
            }
        }
        return response;
    }

    private static ShareGroupHeartbeatResponse Error(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
