// OffsetFetch (key 9), v0-10. v0-7 fetch one group (null topics, v2+, means every committed partition);
// v8+ a batch of groups. Uncommitted partitions, unknown topics and unknown groups answer offset -1 with no
// error, as Kafka does. RequireStable (v7+): a partition with a transactional offset not yet committed answers
// UNSTABLE_OFFSET_COMMIT (offset -1), from the transaction coordinator.
// v9: a consumer (KIP-848) group member's id and epoch are checked (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH).
// v10 names topics by id: a requested id no topic has answers UNKNOWN_TOPIC_ID for its partitions; an all-topics fetch
// names each committed topic by its current id and leaves out topics that no longer exist (they have no id).
// With an authorizer: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic (named topics: TOPIC_AUTHORIZATION_FAILED; all topics: unauthorized ones left out).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Reads committed offsets from the group coordinator.</summary>
public sealed class OffsetFetchHandler : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    private readonly GroupCoordinatorService _groups;
    private readonly TransactionCoordinatorService _txns;
    private readonly IRequestAuthorizer _auth;
    private readonly ClusterView _cluster;

    public OffsetFetchHandler(GroupCoordinatorService groups, TransactionCoordinatorService txns, IRequestAuthorizer auth, ClusterView cluster)
    {
        _cluster = cluster;
        _auth = auth;
        _groups = groups;
        _txns = txns;
    }

    public override ApiKey Key => ApiKey.OffsetFetch;
    public override short MinVersion => 0;
    public override short MaxVersion => 10;

    protected override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetFetchResponse();
        if (context.ApiVersion >= 8)
        {
            bool v9 = context.ApiVersion >= 9, byId = context.ApiVersion >= 10;
            // v10: the requested ids resolved to names first; the unknown ones are answered after the coordinator's.
            var unknownIds = request.Groups.Select(g => byId ? ResolveTopicIds(g) : []).ToList();
            var groups = _groups.Read(c => request.Groups.Select(g =>
            {
                var memberError = v9 ? c.ValidateOffsetFetchMember(g.GroupId, g.MemberId, g.MemberEpoch) : ErrorCode.None;
                if (memberError != ErrorCode.None) return new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = g.GroupId, ErrorCode = (short)memberError };
                return c.FetchOffsets(g.GroupId, g.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList());
            }).ToList());
            if (_auth.Enabled)
            {
                for (int i = 0; i < groups.Count; i++) groups[i] = Authorize(context, groups[i], request.Groups[i].Topics is null);
            }
            if (request.RequireStable) foreach (var g in groups) MarkUnstable(g);
            if (byId)
            {
                for (int i = 0; i < groups.Count; i++) NameByIds(groups[i], unknownIds[i]);
            }
            response.Groups.AddRange(groups);
            return new(response);
        }
        var topics = request.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList();
        var one = _groups.Read(c => c.FetchOffsets(request.GroupId, topics));
        if (_auth.Enabled) one = Authorize(context, one, topics is null);
        if (context.ApiVersion >= 7 && request.RequireStable) MarkUnstable(one);
        foreach (var t in one.Topics)
        {
            var rt = new OffsetFetchResponse.OffsetFetchResponseTopic { Name = t.Name };
            foreach (var p in t.Partitions)
            {
                rt.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    CommittedOffset = p.CommittedOffset,
                    CommittedLeaderEpoch = context.ApiVersion >= 5 ? p.CommittedLeaderEpoch : -1,
                    Metadata = p.Metadata,
                    ErrorCode = p.ErrorCode,
                });
            }
            response.Topics.Add(rt);
        }
        response.ErrorCode = one.ErrorCode;
        return new(response);
    }

    /// <summary>v10: fills in each requested topic's name from its id; removes and returns the topics whose id is unknown.</summary>
    private List<OffsetFetchRequest.OffsetFetchRequestTopics> ResolveTopicIds(OffsetFetchRequest.OffsetFetchRequestGroup group)
    {
        if (group.Topics is null) return [];
        var unknown = new List<OffsetFetchRequest.OffsetFetchRequestTopics>();
        foreach (var t in group.Topics)
        {
            if (_cluster.Topics.Get(t.TopicId) is { } info) t.Name = info.Name;
            else unknown.Add(t);
        }
        group.Topics.RemoveAll(unknown.Contains);
        return unknown;
    }

    /// <summary>v10: each answered topic named by its id (topics without one left out), then the unknown ids' errors.</summary>
    private void NameByIds(OffsetFetchResponse.OffsetFetchResponseGroup group, List<OffsetFetchRequest.OffsetFetchRequestTopics> unknownIds)
    {
        if (group.ErrorCode != 0) return;
        foreach (var t in group.Topics) t.TopicId = _cluster.Topics.Get(t.Name)?.Id ?? Guid.Empty;
        group.Topics.RemoveAll(t => t.TopicId == Guid.Empty);
        foreach (var t in unknownIds)
        {
            var rt = new OffsetFetchResponse.OffsetFetchResponseTopics { TopicId = t.TopicId };
            foreach (int p in t.PartitionIndexes)
            {
                rt.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartitions
                {
                    PartitionIndex = p, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = "", ErrorCode = (short)ErrorCode.UnknownTopicId,
                });
            }
            group.Topics.Add(rt);
        }
    }

    /// <summary>Kafka's checks: DESCRIBE on the group, then DESCRIBE on each topic (unauthorized topics are dropped from an all-topics answer).</summary>
    private OffsetFetchResponse.OffsetFetchResponseGroup Authorize(RequestContext context, OffsetFetchResponse.OffsetFetchResponseGroup group, bool allTopics)
    {
        if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, group.GroupId))
        {
            return new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        }
        if (allTopics)
        {
            group.Topics.RemoveAll(t => !_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, t.Name));
            return group;
        }
        foreach (var t in group.Topics)
        {
            if (_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, t.Name)) continue;
            foreach (var p in t.Partitions)
            {
                p.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                p.CommittedOffset = -1;
                p.CommittedLeaderEpoch = -1;
                p.Metadata = "";
            }
        }
        return group;
    }

    /// <summary>KIP-447: offsets a transaction has not committed yet are unstable for require_stable readers.</summary>
    private void MarkUnstable(OffsetFetchResponse.OffsetFetchResponseGroup group)
    {
        foreach (var t in group.Topics)
        {
            foreach (var p in t.Partitions)
            {
                if (!_txns.HasPendingOffset(group.GroupId, t.Name, p.PartitionIndex)) continue;
                p.ErrorCode = (short)ErrorCode.UnstableOffsetCommit;
                p.CommittedOffset = -1;
            }
        }
    }
}
