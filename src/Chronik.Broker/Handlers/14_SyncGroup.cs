// SyncGroup (key 14), v0-5. The leader's assignments are what every member receives; followers wait until
// the leader has synced (or a rebalance starts: REBALANCE_IN_PROGRESS). v5 checks ProtocolType and
// ProtocolName against the group's (INCONSISTENT_GROUP_PROTOCOL) and returns them.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Hands syncs to the group coordinator and answers with the member's assignment.</summary>
public sealed class SyncGroupHandler : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    private readonly GroupCoordinatorService _groups;

    public SyncGroupHandler(GroupCoordinatorService groups) => _groups = groups;

    public override ApiKey Key => ApiKey.SyncGroup;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request, CancellationToken cancellationToken)
    {
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
