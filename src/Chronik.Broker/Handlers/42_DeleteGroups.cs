// DeleteGroups (key 42), v0-2. Deletes empty groups and their committed offsets (tombstones in the offsets
// log); NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Deletes groups through the group coordinator.</summary>
public sealed class DeleteGroupsHandler : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    private readonly GroupCoordinatorService _groups;

    public DeleteGroupsHandler(GroupCoordinatorService groups) => _groups = groups;

    public override ApiKey Key => ApiKey.DeleteGroups;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override async ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken)
    {
        var (results, persisted) = await _groups.ExecuteAsync((c, now) => c.DeleteGroups(request.GroupsNames)).ConfigureAwait(false);
        var response = new DeleteGroupsResponse();
        foreach (var r in results)
        {
            if (!persisted && r.ErrorCode == 0) r.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
            response.Results.Add(r);
        }
        return response;
    }
}
