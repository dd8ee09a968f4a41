// Heartbeat (key 12), v0-4. Keeps a member alive for its session timeout; during a rebalance the answer is
// REBALANCE_IN_PROGRESS so the member rejoins. UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / FENCED_INSTANCE_ID
// as in Kafka.
// With an authorizer: READ on the group, else GROUP_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Passes heartbeats to the group coordinator.</summary>
public sealed class HeartbeatHandler : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;

    public HeartbeatHandler(GroupCoordinatorService groups, IRequestAuthorizer auth)
    {
        _groups = groups;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.Heartbeat;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override async ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new HeartbeatResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        }
        var (response, _) = await _groups.ExecuteAsync((c, now) => c.Heartbeat(request, now)).ConfigureAwait(false);
        return response;
    }
}
