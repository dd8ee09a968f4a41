// DescribeGroups (key 15), v0-5. States "Empty", "PreparingRebalance", "CompletingRebalance", "Stable",
// "Dead"; an unknown group is "Dead" with no error (GROUP_ID_NOT_FOUND only exists from v6). Member
// metadata, assignments and the protocol are shown only while the group is Stable, as Kafka does.
// Authorized operations (v3+): READ, DELETE and DESCRIBE, since there are no ACLs.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes groups from the group coordinator.</summary>
public sealed class DescribeGroupsHandler : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    private readonly GroupCoordinatorService _groups;

    public DescribeGroupsHandler(GroupCoordinatorService groups) => _groups = groups;

    public override ApiKey Key => ApiKey.DescribeGroups;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        bool ops = v >= 3 && request.IncludeAuthorizedOperations;
        var response = new DescribeGroupsResponse();
        var described = _groups.Read(c => request.Groups.Select(id => c.DescribeGroup(id, ops)).ToList());
        foreach (var d in described)
        {
            if (v < 4)
            {
                foreach (var m in d.Members) m.GroupInstanceId = null;
            }
            response.Groups.Add(d);
        }
        return new(response);
    }
}
