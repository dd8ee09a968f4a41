// JoinGroup (key 11), v0-9. The answer waits until the rebalance completes (every known member rejoined,
// the rebalance timeout passed, or for a new group group.initial.rebalance.delay.ms). v4+: a first join
// without a member id gets MEMBER_ID_REQUIRED and an id (KIP-394); v5+: group.instance.id (KIP-345).
// v7+ carries ProtocolType; SkipAssignment (v9) is always false. See Coordination/Groups/GroupCoordinator.cs.
// With an authorizer: READ on the group, else GROUP_AUTHORIZATION_FAILED. A share group's id: GROUP_ID_NOT_FOUND
// ("Group … is not a classic group."), as Kafka's coordinator answers for a group of another type.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Hands joins to the group coordinator and answers when the member's rebalance completes.</summary>
public sealed class JoinGroupHandler : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly ShareGroupService _shares;
    private readonly IRequestAuthorizer _auth;

    public JoinGroupHandler(GroupCoordinatorService groups, ShareGroupService shares, IRequestAuthorizer auth)
    {
        _groups = groups;
        _shares = shares;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.JoinGroup;
    public override short MinVersion => 0;
    public override short MaxVersion => 9;

    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext context, JoinGroupRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new JoinGroupResponse
            {
                ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, GenerationId = -1, MemberId = "", Leader = "",
                ProtocolName = context.ApiVersion >= 7 ? null : "", ProtocolType = null,
            };
        }
        short v = context.ApiVersion;
        if (_shares.IsShareGroup(request.GroupId))
        {
            return new JoinGroupResponse
            {
                ErrorCode = (short)ErrorCode.GroupIdNotFound, GenerationId = -1, MemberId = request.MemberId, Leader = "",
                ProtocolName = v >= 7 ? null : "", ProtocolType = null,
            };
        }
        var client = new ClientInfo(context.ClientId ?? "", ClientHost.Format(context.RemoteEndPoint), v);
        var response = await _groups.ExecuteDeferredAsync((c, now) => c.JoinGroup(request, client, now)).ConfigureAwait(false);
        if (v < 7)
        {
            response.ProtocolType = null;
            response.ProtocolName ??= "";
        }
        return response;
    }
}
