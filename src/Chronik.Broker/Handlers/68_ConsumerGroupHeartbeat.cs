// ConsumerGroupHeartbeat (key 68), v0-1: the consumer group protocol of KIP-848. Member epoch 0 joins,
// -1 leaves, -2 is a static member leaving temporarily; the coordinator assigns with a server-side assignor
// (uniform or range) and hands a partition to its new owner only after the old owner revoked it.
// v0: the server generates the member id of a first join; v1: the client does.
// See Coordination/Groups/ConsumerGroupProtocol.cs. With group.version finalized at 0: UNSUPPORTED_VERSION only, as
// Kafka's KafkaApis answers when the consumer rebalance protocol is off (checked again under the coordinator's lock).
// With an authorizer: READ on the group, else GROUP_AUTHORIZATION_FAILED. A share group's id: GROUP_ID_NOT_FOUND
// ("Group … is not a consumer group."), as Kafka's coordinator answers for a group of another type.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Passes consumer group heartbeats to the group coordinator, with the current topic metadata.</summary>
public sealed class ConsumerGroupHeartbeatHandler : ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;
    private readonly ShareGroupService _shares;

    public ConsumerGroupHeartbeatHandler(GroupCoordinatorService groups, IRequestAuthorizer auth, FinalizedFeatures features, ShareGroupService shares)
    {
        _groups = groups;
        _shares = shares;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.ConsumerGroupHeartbeat;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<ConsumerGroupHeartbeatResponse?> HandleAsync(RequestContext context, ConsumerGroupHeartbeatRequest request, CancellationToken cancellationToken)
    {
        if (!_features.ConsumerGroupsEnabled) return Unsupported();
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new ConsumerGroupHeartbeatResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed) };
        }
        if (_shares.IsShareGroup(request.GroupId))
        {
            return new ConsumerGroupHeartbeatResponse { ErrorCode = (short)ErrorCode.GroupIdNotFound, ErrorMessage = $"Group {request.GroupId} is not a consumer group." };
        }
        var client = new ClientInfo(context.ClientId ?? "", ClientHost.Format(context.RemoteEndPoint), context.ApiVersion);
        var topics = _groups.ConsumerTopics();
        // Checked again under the lock: UpdateFeatures changes group.version under it (no group appears after its check).
        var (response, persisted) = await _groups.ExecuteAsync((c, now) => _features.ConsumerGroupsEnabled
            ? c.ConsumerGroupHeartbeat(request, client, topics, now)
            : new CoordinatorResult<ConsumerGroupHeartbeatResponse>(Unsupported(), [], [])).ConfigureAwait(false);
        if (!persisted && response.ErrorCode == 0)
        {
            return new ConsumerGroupHeartbeatResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable, MemberId = response.MemberId };
        }
        return response;
    }

    private static ConsumerGroupHeartbeatResponse Unsupported() => new() { ErrorCode = (short)ErrorCode.UnsupportedVersion };
}
