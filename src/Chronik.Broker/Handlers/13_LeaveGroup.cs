// LeaveGroup (key 13), v0-5. v0-2 name one member id (its error is the top-level error); v3+ a batch of
// members, each by member id or by group.instance.id (KIP-345), with an error per member. Leaving starts a
// rebalance for the remaining members.
// With an authorizer: READ on the group, else GROUP_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Removes members from their group.</summary>
public sealed class LeaveGroupHandler : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;

    public LeaveGroupHandler(GroupCoordinatorService groups, IRequestAuthorizer auth)
    {
        _groups = groups;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.LeaveGroup;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override async ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new LeaveGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        }
        bool batched = context.ApiVersion >= 3;
        var leaving = batched
            ? request.Members.Select(m => (m.MemberId, m.GroupInstanceId)).ToList()
            : [(request.MemberId, (string?)null)];
        var (response, _) = await _groups.ExecuteAsync((c, now) => c.LeaveGroup(request.GroupId, leaving, now)).ConfigureAwait(false);
        if (!batched)
        {
            if (response.ErrorCode == 0 && response.Members.Count > 0) response.ErrorCode = response.Members[0].ErrorCode;
            response.Members.Clear();
        }
        return response;
    }
}
