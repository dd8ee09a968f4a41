// OffsetCommit (key 8), v0-10. Checks as Kafka's classic groups: a standalone commit (generation -1) only
// while the group is empty (else UNKNOWN_MEMBER_ID), otherwise the member and generation must be current
// (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID) and no sync pending (REBALANCE_IN_PROGRESS).
// Unknown partitions: UNKNOWN_TOPIC_OR_PARTITION; metadata over offset.metadata.max.bytes:
// OFFSET_METADATA_TOO_LARGE. The answer waits until the commit is fsynced in __consumer_offsets.
// RetentionTimeMs (v2-4) and CommitTimestamp (v1) are ignored: offsets.retention.minutes applies.
// v10 (KIP-848) names topics by id: each id is resolved to its topic (an unknown id answers UNKNOWN_TOPIC_ID for its
// partitions) and the response names topics by id again.
// With an authorizer: READ on the group (else every partition GROUP_AUTHORIZATION_FAILED), READ on each topic (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Commits offsets through the group coordinator.</summary>
public sealed class OffsetCommitHandler : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public OffsetCommitHandler(GroupCoordinatorService groups, ClusterView cluster, IRequestAuthorizer auth)
    {
        _auth = auth;
        _groups = groups;
        _cluster = cluster;
    }

    public override ApiKey Key => ApiKey.OffsetCommit;
    public override short MinVersion => 0;
    public override short MaxVersion => 10;

    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        List<OffsetCommitRequest.OffsetCommitRequestTopic>? unknownIds = v >= 10 ? ResolveTopicIds(request) : null;
        List<OffsetCommitRequest.OffsetCommitRequestTopic>? deniedTopics = null;
        if (_auth.Enabled)
        {
            if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
            {
                var denied = ErrorFor(request.Topics, ErrorCode.GroupAuthorizationFailed, null);
                if (unknownIds is { Count: > 0 }) ErrorFor(unknownIds, ErrorCode.UnknownTopicId, denied);
                return denied;
            }
            deniedTopics = request.Topics.Where(t => !_auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name)).ToList();
            request.Topics.RemoveAll(deniedTopics.Contains);
        }
        if (v == 0) request.GenerationIdOrMemberEpoch = -1;
        var (response, persisted) = await _groups.ExecuteAsync((c, now) => c.CommitOffsets(request, v, PartitionExists, now)).ConfigureAwait(false);
        if (!persisted)
        {
            foreach (var t in response.Topics)
            {
                foreach (var p in t.Partitions)
                {
                    if (p.ErrorCode == 0) p.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
                }
            }
        }
        if (deniedTopics is { Count: > 0 }) ErrorFor(deniedTopics, ErrorCode.TopicAuthorizationFailed, response);
        if (unknownIds is { Count: > 0 }) ErrorFor(unknownIds, ErrorCode.UnknownTopicId, response);
        if (v >= 10)
        {
            foreach (var t in response.Topics)
            {
                if (t.TopicId == Guid.Empty && _cluster.Topics.Get(t.Name) is { } info) t.TopicId = info.Id;
            }
        }
        return response;
    }

    private static OffsetCommitResponse ErrorFor(List<OffsetCommitRequest.OffsetCommitRequestTopic> topics, ErrorCode error, OffsetCommitResponse? into)
    {
        var response = into ?? new OffsetCommitResponse();
        foreach (var t in topics)
        {
            var rt = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = t.Name, TopicId = t.TopicId };
            foreach (var p in t.Partitions) rt.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            response.Topics.Add(rt);
        }
        return response;
    }

    /// <summary>v10: fills in each topic's name from its id; removes and returns the topics whose id is unknown.</summary>
    private List<OffsetCommitRequest.OffsetCommitRequestTopic> ResolveTopicIds(OffsetCommitRequest request)
    {
        var unknown = new List<OffsetCommitRequest.OffsetCommitRequestTopic>();
        foreach (var t in request.Topics)
        {
            if (_cluster.Topics.Get(t.TopicId) is { } info) t.Name = info.Name;
            else unknown.Add(t);
        }
        request.Topics.RemoveAll(unknown.Contains);
        return unknown;
    }

    private bool PartitionExists(string topic, int partition) =>
        _cluster.Topics.Get(topic) is { } t && partition >= 0 && partition < t.PartitionCount;
}
