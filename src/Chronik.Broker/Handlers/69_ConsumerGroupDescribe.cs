// ConsumerGroupDescribe (key 69), v0-1: consumer (KIP-848) groups with their epochs, assignor, members, and each
// member's current and target assignment. Unknown and classic groups answer GROUP_ID_NOT_FOUND.
// v1 (KIP-1099) adds each member's MemberType: always 1 (consumer), since a consumer group here never holds classic
// members (a classic group with members is not converted: INCONSISTENT_GROUP_PROTOCOL).
// With group.version finalized at 0, every group answers UNSUPPORTED_VERSION, as Kafka's KafkaApis does.
// With an authorizer: DESCRIBE on each group (GROUP_AUTHORIZATION_FAILED); authorized operations from the ACLs.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes consumer groups from the group coordinator.</summary>
public sealed class ConsumerGroupDescribeHandler : ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public ConsumerGroupDescribeHandler(GroupCoordinatorService groups, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _groups = groups;
        _auth = auth;
        _features = features;
    }

    /// <summary>KIP-1099's member types: -1 unknown, 0 classic, 1 consumer.</summary>
    private const sbyte ConsumerMemberType = 1;

    public override ApiKey Key => ApiKey.ConsumerGroupDescribe;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<ConsumerGroupDescribeResponse?> HandleAsync(RequestContext context, ConsumerGroupDescribeRequest request, CancellationToken cancellationToken)
    {
        var response = new ConsumerGroupDescribeResponse();
        if (!_features.ConsumerGroupsEnabled)
        {
            response.Groups.AddRange(request.GroupIds.Select(id => new ConsumerGroupDescribeResponse.DescribedGroup { GroupId = id, ErrorCode = (short)ErrorCode.UnsupportedVersion }));
            return new(response);
        }
        var topics = _groups.ConsumerTopics();
        response.Groups.AddRange(_groups.Read(c =>
            request.GroupIds.Select(id => c.DescribeConsumerGroup(id, request.IncludeAuthorizedOperations, topics)).ToList()));
        foreach (var m in response.Groups.SelectMany(g => g.Members)) m.MemberType = ConsumerMemberType;
        if (_auth.Enabled)
        {
            for (int i = 0; i < response.Groups.Count; i++)
            {
                var g = response.Groups[i];
                if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, g.GroupId))
                {
                    response.Groups[i] = new ConsumerGroupDescribeResponse.DescribedGroup
                    {
                        GroupId = g.GroupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed,
                        ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed),
                    };
                }
                else if (request.IncludeAuthorizedOperations)
                {
                    g.AuthorizedOperations = _auth.AuthorizedOperations(context, AclResourceType.Group, g.GroupId);
                }
            }
        }
        return new(response);
    }
}
