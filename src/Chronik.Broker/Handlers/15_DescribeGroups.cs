// DescribeGroups (key 15), v0-6. States "Empty", "PreparingRebalance", "CompletingRebalance", "Stable",
// "Dead"; an unknown group is "Dead" with no error before v6, and from v6 (KIP-1043) "Dead" with GROUP_ID_NOT_FOUND and
// the message "Group <id> not found.", as Kafka's group coordinator answers. Member
// metadata, assignments and the protocol are shown only while the group is Stable, as Kafka does.
// Authorized operations (v3+): without an authorizer every group operation Kafka lists.
// With an authorizer: DESCRIBE on each group (GROUP_AUTHORIZATION_FAILED); authorized operations come from the ACLs.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes groups from the group coordinator.</summary>
public sealed class DescribeGroupsHandler : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;

    public DescribeGroupsHandler(GroupCoordinatorService groups, IRequestAuthorizer auth)
    {
        _groups = groups;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DescribeGroups;
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        bool ops = v >= 3 && request.IncludeAuthorizedOperations;
        var response = new DescribeGroupsResponse();
        var described = _groups.Read(c => request.Groups.Select(id => c.DescribeGroup(id, ops)).ToList());
        foreach (var d in described)
        {
            if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, d.GroupId))
            {
                response.Groups.Add(new DescribeGroupsResponse.DescribedGroup
                {
                    GroupId = d.GroupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, GroupState = "", ProtocolType = "", ProtocolData = "",
                    AuthorizedOperations = AuthorizerExtensions.OperationsNotRequested,
                });
                continue;
            }
            if (ops) d.AuthorizedOperations = _auth.AuthorizedOperations(context, AclResourceType.Group, d.GroupId);
            if (v >= 6 && d.ErrorCode == 0 && d.GroupState == "Dead")
            {
                d.ErrorCode = (short)ErrorCode.GroupIdNotFound;
                d.ErrorMessage = $"Group {d.GroupId} not found.";
            }
            if (v < 4)
            {
                foreach (var m in d.Members) m.GroupInstanceId = null;
            }
            response.Groups.Add(d);
        }
        return new(response);
    }
}
