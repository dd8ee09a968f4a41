// SyncGroup (key 14), v0-5. The leader's assignments are what every member receives; followers wait until
// the leader has synced (or a rebalance starts: REBALANCE_IN_PROGRESS). v5 checks ProtocolType and
// ProtocolName against the group's (INCONSISTENT_GROUP_PROTOCOL) and returns them.
// With an authorizer: READ on the group, else GROUP_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Hands syncs to the group coordinator and answers with the member's assignment.</summary>
public sealed class SyncGroupHandler : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;

    public SyncGroupHandler(GroupCoordinatorService groups, IRequestAuthorizer auth)
    {
        _groups = groups;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.SyncGroup;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new SyncGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, ProtocolType = null, ProtocolName = null, Assignment = [] };
        }
        if (context.ApiVersion < 5)
        {
            request.ProtocolType = null;
            request.ProtocolName = null;
        }
        var response = await _groups.ExecuteDeferredAsync((c, now) => c.SyncGroup(request, now)).ConfigureAwait(false);
        if (context.ApiVersion < 5)
        {
            response.ProtocolType = null;
            response.ProtocolName = null;
        }
        return response;
    }
}
