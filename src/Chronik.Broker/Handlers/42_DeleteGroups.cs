// DeleteGroups (key 42), v0-2. Deletes empty groups and their committed offsets (tombstones in the offsets
// log); NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups. The coordinator's timers are
// advanced first, so a member whose session ended just before the request is gone, as with Kafka's exact timers
// (the 100 ms tick alone could answer NON_EMPTY_GROUP up to a tick late).
// Share groups (KIP-932) are deleted by the share group service with their delivery state (NON_EMPTY_GROUP while members remain).
// With an authorizer: DELETE on each group, else GROUP_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Deletes groups through the group coordinator.</summary>
public sealed class DeleteGroupsHandler : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly ShareGroupService _shares;
    private readonly IRequestAuthorizer _auth;

    public DeleteGroupsHandler(GroupCoordinatorService groups, ShareGroupService shares, IRequestAuthorizer auth)
    {
        _groups = groups;
        _shares = shares;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DeleteGroups;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override async ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken)
    {
        var denied = request.GroupsNames.Where(g => !_auth.Authorize(context, AclOperation.Delete, AclResourceType.Group, g)).ToList();
        var allowed = denied.Count == 0 ? request.GroupsNames : request.GroupsNames.Except(denied).ToList();
        var shares = allowed.Where(_shares.IsShareGroup).Distinct().ToList();
        if (shares.Count > 0) allowed = allowed.Except(shares).ToList();
        _groups.Tick();
        var (results, persisted) = await _groups.ExecuteAsync((c, now) => c.DeleteGroups(allowed)).ConfigureAwait(false);
        var response = new DeleteGroupsResponse();
        foreach (var g in denied.Distinct()) response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = g, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
        foreach (var g in shares) response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = g, ErrorCode = (short)await _shares.DeleteAsync(g).ConfigureAwait(false) });
        foreach (var r in results)
        {
            if (!persisted && r.ErrorCode == 0) r.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
            response.Results.Add(r);
        }
        return response;
    }
}
