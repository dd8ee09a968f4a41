// ListGroups (key 16), v0-5. Every group this coordinator knows (all of them: one node); v4+ filter by
// state names, v5+ by group type ("classic", or "consumer" for KIP-848 groups, whose states are Empty,
// Assigning, Reconciling, Stable; or "share" for KIP-932 share groups, Empty or Stable, protocol type "share").
// With an authorizer: all groups with DESCRIBE on the cluster, else only groups the client may DESCRIBE.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Lists groups from the group coordinator.</summary>
public sealed class ListGroupsHandler : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly ShareGroupService _shares;
    private readonly IRequestAuthorizer _auth;

    public ListGroupsHandler(GroupCoordinatorService groups, ShareGroupService shares, IRequestAuthorizer auth)
    {
        _groups = groups;
        _shares = shares;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.ListGroups;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext context, ListGroupsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var states = v >= 4 ? request.StatesFilter : null;
        var types = v >= 5 ? request.TypesFilter : null;
        var response = new ListGroupsResponse();
        response.Groups.AddRange(_groups.Read(c => c.ListGroups(states, types)));
        if (types is not { Count: > 0 } || types.Contains("share", StringComparer.OrdinalIgnoreCase))
        {
            foreach (var (id, state) in _shares.List())
            {
                if (states is { Count: > 0 } && !states.Contains(state, StringComparer.OrdinalIgnoreCase)) continue;
                response.Groups.Add(new ListGroupsResponse.ListedGroup { GroupId = id, ProtocolType = "share", GroupState = state, GroupType = "share" });
            }
        }
        if (_auth.Enabled && !_auth.AuthorizeCluster(context, AclOperation.Describe))
        {
            response.Groups.RemoveAll(g => !_auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, g.GroupId));
        }
        foreach (var g in response.Groups)
        {
            if (v < 4) g.GroupState = "";
            if (v < 5) g.GroupType = "";
        }
        return new(response);
    }
}
