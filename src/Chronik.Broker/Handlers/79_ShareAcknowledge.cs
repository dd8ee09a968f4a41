// ShareAcknowledge (key 79), v1-2: acknowledges records a share consumer acquired (KIP-932): ACCEPT, RELEASE (available
// again, archived at share.delivery.count.limit), REJECT and GAP (archived); v2 adds RENEW (the lock starts again) and
// AcquisitionLockTimeoutMs. Each partition is applied all or nothing: INVALID_REQUEST for malformed batches,
// INVALID_RECORD_STATE for offsets this member does not hold. The request continues the member's share session: a
// positive epoch must be the next one (SHARE_SESSION_NOT_FOUND / INVALID_SHARE_SESSION_EPOCH; 0 is
// INVALID_SHARE_SESSION_EPOCH), -1 closes it after the acknowledgements and releases what the member still holds.
// Durable in __share_group_state before the answer.
// With share.version finalized at 0: not advertised, and UNSUPPORTED_VERSION.
// With an authorizer: READ on the group (top-level GROUP_AUTHORIZATION_FAILED) and on each topic (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Features;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Applies share acknowledgements through the share group service.</summary>
public sealed class ShareAcknowledgeHandler : ApiHandler<ShareAcknowledgeRequest, ShareAcknowledgeResponse>, IFeatureGatedHandler
{
    private readonly ShareGroupService _shares;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public ShareAcknowledgeHandler(ShareGroupService shares, ClusterView cluster, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _cluster = cluster;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.ShareAcknowledge;
    public override short MinVersion => 1;
    public override short MaxVersion => 2;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    protected override async ValueTask<ShareAcknowledgeResponse?> HandleAsync(RequestContext context, ShareAcknowledgeRequest request, CancellationToken cancellationToken)
    {
        if (!_features.ShareGroupsEnabled) return Error(ErrorCode.UnsupportedVersion, null);
        if (ShareRequests.Check(context, _auth, request.GroupId, request.MemberId) is { } bad) return Error(bad.Error, bad.Message);
        string groupId = request.GroupId!, memberId = request.MemberId!;
        int epoch = request.ShareSessionEpoch;
        if (epoch < -1) return Error(ShareErrorCodes.InvalidShareSessionEpoch, null);
        var (session, sessionError) = _shares.Session(groupId, memberId, epoch, openAllowed: false);
        if (session is null) return Error(sessionError, null);
        try
        {
            return await ServeAsync(context, request, groupId, memberId, epoch, session, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _shares.EndRequest(session);
        }
    }

    private async Task<ShareAcknowledgeResponse> ServeAsync(RequestContext context, ShareAcknowledgeRequest request, string groupId, string memberId, int epoch, ShareSession session,
        CancellationToken cancellationToken)
    {
        if (epoch != -1) _shares.UpdateSession(session, [], [], nextEpoch: true);

        short v = context.ApiVersion;
        var response = new ShareAcknowledgeResponse { AcquisitionLockTimeoutMs = _shares.SettingsOf(groupId).Partition.RecordLockDurationMs };
        var persisted = new List<Task<bool>>();
        foreach (var t in request.Topics)
        {
            var topic = response.Responses.Find(r => r.TopicId == t.TopicId);
            if (topic is null)
            {
                topic = new ShareAcknowledgeResponse.ShareAcknowledgeTopicResponse { TopicId = t.TopicId };
                response.Responses.Add(topic);
            }
            foreach (var p in t.Partitions)
            {
                var target = ShareRequests.Resolve(context, _auth, _cluster.Topics, t.TopicId, p.PartitionIndex);
                var data = new ShareAcknowledgeResponse.PartitionData
                {
                    PartitionIndex = p.PartitionIndex, ErrorCode = (short)target.Error,
                    CurrentLeader = new ShareAcknowledgeResponse.LeaderIdAndEpoch { LeaderId = _cluster.NodeId, LeaderEpoch = ClusterView.LeaderEpoch },
                };
                topic.Partitions.Add(data);
                if (target.Error != ErrorCode.None) continue;
                var (error, message, task) = ShareRequests.Acknowledge(_shares, v, groupId, memberId, target.Partition,
                    [.. p.AcknowledgementBatches.Select(b => (b.FirstOffset, b.LastOffset, b.AcknowledgeTypes))]);
                data.ErrorCode = (short)error;
                data.ErrorMessage = message;
                persisted.Add(task);
            }
        }
        if (epoch == -1) persisted.Add(_shares.CloseSession(session));
        foreach (var task in persisted) await task.ConfigureAwait(false);
        return response;
    }

    private static ShareAcknowledgeResponse Error(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
