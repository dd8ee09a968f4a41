// DescribeShareGroupOffsets (key 90), v0-1: the start offset (SPSO) and leader epoch of each share partition of a
// share group; v1 adds the lag (KIP-1226: offsets below the high watermark not yet delivered for good). Topics null:
// every topic the group has state for. A partition without state answers start offset -1; an unknown topic
// UNKNOWN_TOPIC_OR_PARTITION; an unknown group GROUP_ID_NOT_FOUND.
// With share.version finalized at 0: not advertised, and UNSUPPORTED_VERSION for every group.
// With an authorizer: DESCRIBE on each group (GROUP_AUTHORIZATION_FAILED); topics without DESCRIBE are left out.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes share group start offsets from the share group service.</summary>
public sealed class DescribeShareGroupOffsetsHandler : ApiHandler<DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse>, IFeatureGatedHandler
{
    private readonly ShareGroupService _shares;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public DescribeShareGroupOffsetsHandler(ShareGroupService shares, ClusterView cluster, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _cluster = cluster;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.DescribeShareGroupOffsets;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    protected override ValueTask<DescribeShareGroupOffsetsResponse?> HandleAsync(RequestContext context, DescribeShareGroupOffsetsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeShareGroupOffsetsResponse();
        foreach (var g in request.Groups) response.Groups.Add(Describe(context, g));
        return new(response);
    }

    private DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup Describe(RequestContext context,
        DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestGroup g)
    {
        var result = new DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup { GroupId = g.GroupId };
        ErrorCode? error = !_features.ShareGroupsEnabled ? ErrorCode.UnsupportedVersion
            : !_auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, g.GroupId) ? ErrorCode.GroupAuthorizationFailed
            : !_shares.IsKnownShareGroup(g.GroupId) ? ErrorCode.GroupIdNotFound
            : null;
        if (error is { } e)
        {
            result.ErrorCode = (short)e;
            result.ErrorMessage = e == ErrorCode.GroupAuthorizationFailed ? AuthorizerExtensions.AuthorizationMessage(e) : null;
            return result;
        }
        var wanted = g.Topics is { } topics
            ? topics.Select(t => (t.TopicName, (IReadOnlyList<int>?)t.Partitions)).ToList()
            : _shares.TopicsWithState(g.GroupId).Select(id => _cluster.Topics.Get(id)?.Name).OfType<string>().Order(StringComparer.Ordinal)
                .Select(n => (n, (IReadOnlyList<int>?)null)).ToList();
        foreach (var (name, partitions) in wanted)
        {
            if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, name)) continue;
            var topic = _cluster.Topics.Get(name);
            var t = new DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseTopic { TopicName = name, TopicId = topic?.Id ?? Guid.Empty };
            result.Topics.Add(t);
            foreach (int p in partitions ?? _shares.PartitionsWithState(g.GroupId, topic!.Id))
            {
                var log = topic is not null && p >= 0 && p < topic.PartitionCount ? _cluster.Topics.GetLog(name, p) : null;
                var d = new DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition { PartitionIndex = p, StartOffset = -1, LeaderEpoch = -1, Lag = -1 };
                if (log is null) d.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                else
                {
                    var s = _shares.StartOffsetOf(g.GroupId, new TopicIdPartition(topic!.Id, p), log);
                    (d.StartOffset, d.LeaderEpoch, d.Lag) = (s.StartOffset, s.LeaderEpoch, s.Lag);
                }
                t.Partitions.Add(d);
            }
        }
        return result;
    }
}
