// ShareGroupDescribe (key 77), v1: share groups with their epochs, assignor ("simple"), members and assignments (topic
// names resolved from the ids). Unknown ids and classic or consumer groups answer GROUP_ID_NOT_FOUND.
// With share.version finalized at 0: not advertised, and every group answers UNSUPPORTED_VERSION.
// With an authorizer: DESCRIBE on each group (GROUP_AUTHORIZATION_FAILED); authorized operations from the ACLs.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes share groups from the share group service.</summary>
public sealed class ShareGroupDescribeHandler : ApiHandler<ShareGroupDescribeRequest, ShareGroupDescribeResponse>, IFeatureGatedHandler
{
    private readonly ShareGroupService _shares;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public ShareGroupDescribeHandler(ShareGroupService shares, ClusterView cluster, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _cluster = cluster;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.ShareGroupDescribe;
    public override short MinVersion => 1;
    public override short MaxVersion => 1;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    protected override ValueTask<ShareGroupDescribeResponse?> HandleAsync(RequestContext context, ShareGroupDescribeRequest request, CancellationToken cancellationToken)
    {
        var response = new ShareGroupDescribeResponse();
        foreach (var id in request.GroupIds)
        {
            response.Groups.Add(Describe(context, id, request.IncludeAuthorizedOperations));
        }
        return new(response);
    }

    private ShareGroupDescribeResponse.DescribedGroup Describe(RequestContext context, string id, bool includeOperations)
    {
        if (!_features.ShareGroupsEnabled) return Failed(id, ErrorCode.UnsupportedVersion, null);
        if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, id))
        {
            return Failed(id, ErrorCode.GroupAuthorizationFailed, AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed));
        }
        if (string.IsNullOrEmpty(id)) return Failed(id, ErrorCode.InvalidGroupId, null);
        var d = _shares.Describe(id);
        if (d is null) return Failed(id, ErrorCode.GroupIdNotFound, $"Group {id} not found.");
        var g = new ShareGroupDescribeResponse.DescribedGroup
        {
            GroupId = d.GroupId, GroupState = d.GroupState, GroupEpoch = d.GroupEpoch, AssignmentEpoch = d.AssignmentEpoch, AssignorName = d.AssignorName,
            AuthorizedOperations = !includeOperations ? int.MinValue
                : _auth.Enabled ? _auth.AuthorizedOperations(context, AclResourceType.Group, id) : GroupCoordinator.GroupAuthorizedOperations,
        };
        foreach (var m in d.Members)
        {
            var member = new ShareGroupDescribeResponse.Member
            {
                MemberId = m.MemberId, RackId = m.RackId, MemberEpoch = m.MemberEpoch, ClientId = m.ClientId, ClientHost = m.ClientHost,
                SubscribedTopicNames = [.. m.SubscribedTopicNames],
            };
            foreach (var t in m.Assignment) member.Assignment.TopicPartitions.Add(Partitions(t));
            g.Members.Add(member);
        }
        return g;
    }

    private ShareGroupDescribeResponse.TopicPartitions Partitions(ShareTopicPartitions t) =>
        new() { TopicId = t.TopicId, TopicName = _cluster.Topics.Get(t.TopicId)?.Name ?? "", Partitions = [.. t.Partitions] };

    private static ShareGroupDescribeResponse.DescribedGroup Failed(string id, ErrorCode error, string? message) =>
        new() { GroupId = id, ErrorCode = (short)error, ErrorMessage = message };
}
