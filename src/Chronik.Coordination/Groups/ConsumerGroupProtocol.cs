using System.Text.RegularExpressions;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>
/// The consumer group protocol of KIP-848 (ConsumerGroupHeartbeat, ConsumerGroupDescribe): the coordinator
/// computes a target assignment with a server-side assignor whenever the members, their subscriptions or the
/// subscribed topics change (bumping the group epoch), and brings each member to it on its heartbeats —
/// partitions another member still owns are handed over only after that member confirms it revoked them
/// (<see cref="ConsumerTargetAssignment"/>). Every change is written to the offsets log by
/// <see cref="ConsumerGroupLog"/>, so members keep their epochs and assignments across a restart. It mirrors the
/// group into the classic state (Empty/Stable) that offsets, deletion and expiry look at, so those need nothing
/// from this class.
/// </summary>
internal sealed class ConsumerGroupProtocol
{
    private readonly GroupTable _table;
    private readonly Dictionary<string, ClassicGroup> _groups;
    private readonly GroupCoordinatorConfig _config;
    private readonly ConsumerGroupLog _log;

    public ConsumerGroupProtocol(GroupTable table, ConsumerGroupLog log)
    {
        _table = table;
        _groups = table.Groups;
        _config = table.Config;
        _log = log;
    }

    public ConsumerGroupHeartbeatResponse Heartbeat(ConsumerGroupHeartbeatRequest r, ClientInfo client,
        IReadOnlyList<ConsumerTopic> topics, long nowMs)
    {
        ConsumerGroupHeartbeatResponse response;
        try
        {
            response = ConsumerHeartbeat(r, client, topics, nowMs);
        }
        catch (ConsumerGroupException e)
        {
            response = new ConsumerGroupHeartbeatResponse { ErrorCode = (short)e.Error, ErrorMessage = e.Message, MemberId = r.MemberId.Length > 0 ? r.MemberId : null };
        }
        if (_groups.TryGetValue(r.GroupId, out var g)) _log.WriteChanges(g);
        response.HeartbeatIntervalMs = response.ErrorCode == 0 ? _config.ConsumerHeartbeatIntervalFor(r.GroupId) : 0;
        return response;
    }

    private sealed class ConsumerGroupException(ErrorCode error, string message) : Exception(message)
    {
        public ErrorCode Error { get; } = error;
    }

    private static ConsumerGroupException Fail(ErrorCode error, string message) => new(error, message);

    private ConsumerGroupHeartbeatResponse ConsumerHeartbeat(ConsumerGroupHeartbeatRequest r, ClientInfo client, IReadOnlyList<ConsumerTopic> topics, long now)
    {
        Validate(r, client.ApiVersion);
        int epoch = r.MemberEpoch;
        if (!_groups.TryGetValue(r.GroupId, out var g) || g.Is(GroupState.Dead))
        {
            if (epoch != 0) throw Fail(ErrorCode.GroupIdNotFound, $"Consumer group {r.GroupId} not found.");
            g = new ClassicGroup(r.GroupId, now);
            _groups.Add(r.GroupId, g);
            g.Consumer = new ConsumerGroup();
            g.ProtocolType = "consumer";
        }
        if (g.Consumer is null)
        {
            if (g.Members.Count > 0 || g.PendingMembers.Count > 0)
            {
                throw Fail(ErrorCode.InconsistentGroupProtocol, $"Group {r.GroupId} is a classic group with members.");
            }
            g.Consumer = new ConsumerGroup();
            g.ProtocolType = "consumer";
            g.ProtocolName = null;
        }
        var cg = g.Consumer;

        if (epoch is -1 or -2)
        {
            var leaving = cg.Members.GetValueOrDefault(r.MemberId) ?? throw Fail(ErrorCode.UnknownMemberId, $"Member {r.MemberId} is not a member of group {r.GroupId}.");
            cg.Dirty.Add(leaving.MemberId);
            if (epoch == -2 && leaving.InstanceId is not null)
            {
                // A static member leaving temporarily keeps its assignment until its session expires.
                leaving.LeftTemporarily = true;
            }
            else
            {
                RemoveConsumerMember(g, leaving, topics, now);
            }
            return new ConsumerGroupHeartbeatResponse { MemberId = r.MemberId, MemberEpoch = epoch };
        }

        ConsumerMember member;
        bool fullRequest = epoch == 0;
        if (epoch == 0)
        {
            string memberId = r.MemberId.Length > 0 ? r.MemberId : _table.NewGuid().ToString("N");
            member = JoinConsumerMember(g, cg, memberId, r.InstanceId, topics, now);
        }
        else
        {
            member = cg.Members.GetValueOrDefault(r.MemberId) ?? throw Fail(ErrorCode.UnknownMemberId, $"Member {r.MemberId} is not a member of group {r.GroupId}.");
            if (member.LeftTemporarily) throw Fail(ErrorCode.UnknownMemberId, $"Member {r.MemberId} left the group.");
            var owned = OwnedPartitions(r);
            if (epoch > member.MemberEpoch) throw Fail(ErrorCode.FencedMemberEpoch, $"Member epoch {epoch} is newer than the current {member.MemberEpoch}.");
            if (epoch < member.MemberEpoch && (epoch != member.PreviousMemberEpoch || owned is null || !owned.IsSubsetOf(member.Assigned)))
            {
                throw Fail(ErrorCode.FencedMemberEpoch, $"Member epoch {epoch} is older than the current {member.MemberEpoch}.");
            }
        }

        cg.Dirty.Add(member.MemberId);
        member.ClientId = client.ClientId;
        member.ClientHost = client.ClientHost;
        member.HeartbeatDeadlineMs = now + _config.ConsumerSessionTimeoutFor(g.GroupId);
        if (r.InstanceId is not null) member.InstanceId = r.InstanceId;
        if (r.RackId is not null) member.RackId = r.RackId;
        if (r.RebalanceTimeoutMs >= 0) member.RebalanceTimeoutMs = r.RebalanceTimeoutMs;
        if (r.SubscribedTopicNames is not null) member.SubscribedTopicNames = [.. r.SubscribedTopicNames];
        if (r.SubscribedTopicRegex is not null) member.SubscribedTopicRegex = r.SubscribedTopicRegex.Length == 0 ? null : r.SubscribedTopicRegex;
        if (r.ServerAssignor is not null) member.ServerAssignor = r.ServerAssignor;

        ConsumerTargetAssignment.MaybeUpdateTarget(g, topics);

        int epochBefore = member.MemberEpoch;
        var assignedBefore = new HashSet<TopicIdPartition>(member.Assigned);
        ConsumerTargetAssignment.Reconcile(cg, member, OwnedPartitions(r), now);
        UpdateClassicState(g, now);

        var response = new ConsumerGroupHeartbeatResponse { MemberId = member.MemberId, MemberEpoch = member.MemberEpoch };
        var ownedNow = OwnedPartitions(r);
        if (fullRequest || epochBefore != member.MemberEpoch || !assignedBefore.SetEquals(member.Assigned) || (ownedNow is not null && !ownedNow.SetEquals(member.Assigned)))
        {
            response.Assignment = new ConsumerGroupHeartbeatResponse.AssignmentData();
            foreach (var byTopic in member.Assigned.GroupBy(tp => tp.TopicId).OrderBy(x => x.Key))
            {
                response.Assignment.TopicPartitions.Add(new ConsumerGroupHeartbeatResponse.TopicPartitions
                {
                    TopicId = byTopic.Key,
                    Partitions = [.. byTopic.Select(tp => tp.Partition).Order()],
                });
            }
        }
        return response;
    }

    private void Validate(ConsumerGroupHeartbeatRequest r, short version)
    {
        if (string.IsNullOrEmpty(r.GroupId)) throw Fail(ErrorCode.InvalidRequest, "GroupId can't be empty.");
        if (r.MemberEpoch < -2) throw Fail(ErrorCode.InvalidRequest, "MemberEpoch is invalid.");
        if (r.MemberId.Length == 0 && (version >= 1 || r.MemberEpoch != 0)) throw Fail(ErrorCode.InvalidRequest, "MemberId can't be empty.");
        if (r.MemberEpoch == 0)
        {
            if (r.RebalanceTimeoutMs == -1) throw Fail(ErrorCode.InvalidRequest, "RebalanceTimeoutMs must be provided in first request.");
            if (r.SubscribedTopicNames is null && r.SubscribedTopicRegex is null)
            {
                throw Fail(ErrorCode.InvalidRequest, "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            }
        }
        if (r.InstanceId is not null && r.InstanceId.Length == 0) throw Fail(ErrorCode.InvalidRequest, "InstanceId can't be empty.");
        if (r.ServerAssignor is not null && !ConsumerAssignors.IsSupported(r.ServerAssignor))
        {
            throw Fail(ErrorCode.UnsupportedAssignor, $"ServerAssignor {r.ServerAssignor} is not supported. Supported assignors: uniform, range.");
        }
        if (!string.IsNullOrEmpty(r.SubscribedTopicRegex))
        {
            try
            {
                _ = new Regex(r.SubscribedTopicRegex, RegexOptions.CultureInvariant, ConsumerTargetAssignment.RegexTimeout);
            }
            catch (ArgumentException e)
            {
                throw Fail(ErrorCode.InvalidRegularExpression, $"SubscribedTopicRegex {r.SubscribedTopicRegex} is not a valid regular expression: {e.Message}");
            }
        }
    }

    private ConsumerMember JoinConsumerMember(ClassicGroup g, ConsumerGroup cg, string memberId, string? instanceId, IReadOnlyList<ConsumerTopic> topics, long now)
    {
        if (instanceId is not null && cg.StaticMember(instanceId) is { } previous && previous.MemberId != memberId)
        {
            if (!previous.LeftTemporarily) throw Fail(ErrorCode.UnreleasedInstanceId, $"Static member {instanceId} is still in use by {previous.MemberId}.");
            // The static member's new instance takes over its assignment and epoch.
            cg.Dirty.Add(previous.MemberId);
            cg.Members.Remove(previous.MemberId);
            if (cg.Target.Remove(previous.MemberId, out var target)) cg.Target[memberId] = target;
            previous.MemberId = memberId;
            previous.LeftTemporarily = false;
            cg.Members[memberId] = previous;
            return previous;
        }
        if (cg.Members.TryGetValue(memberId, out var existing))
        {
            // Rejoining with epoch 0 (e.g. after being fenced): start over without any partitions.
            existing.Assigned = [];
            existing.PendingRevocation = [];
            existing.State = ConsumerMemberState.Stable;
            existing.PreviousMemberEpoch = existing.MemberEpoch;
            existing.MemberEpoch = 0;
            existing.RevocationDeadlineMs = long.MaxValue;
            existing.LeftTemporarily = false;
            return existing;
        }
        if (cg.Members.Count >= _config.MaxGroupSize) throw Fail(ErrorCode.GroupMaxSizeReached, $"Group {g.GroupId} is full.");
        var member = new ConsumerMember(memberId) { InstanceId = instanceId, HeartbeatDeadlineMs = now + _config.ConsumerSessionTimeoutFor(g.GroupId) };
        cg.Members.Add(memberId, member);
        _ = topics;
        return member;
    }

    private static HashSet<TopicIdPartition>? OwnedPartitions(ConsumerGroupHeartbeatRequest r)
    {
        if (r.TopicPartitions is null) return null;
        var set = new HashSet<TopicIdPartition>();
        foreach (var t in r.TopicPartitions)
        {
            foreach (int p in t.Partitions) set.Add(new TopicIdPartition(t.TopicId, p));
        }
        return set;
    }

    private static void RemoveConsumerMember(ClassicGroup g, ConsumerMember m, IReadOnlyList<ConsumerTopic>? topics, long now)
    {
        var cg = g.Consumer!;
        cg.Dirty.Add(m.MemberId);
        cg.Members.Remove(m.MemberId);
        cg.Target.Remove(m.MemberId);
        if (topics is not null) ConsumerTargetAssignment.MaybeUpdateTarget(g, topics);
        else cg.SignatureHash = 0; // recomputed on the next heartbeat, when topic metadata is at hand
        if (cg.Members.Count == 0 && cg.SignatureHash == 0)
        {
            cg.GroupEpoch++;
            cg.AssignmentEpoch = cg.GroupEpoch;
            cg.Target.Clear();
        }
        UpdateClassicState(g, now);
    }

    /// <summary>Mirrors the consumer group into the classic state the shared code (offsets, deletion, expiry) looks at.</summary>
    private static void UpdateClassicState(ClassicGroup g, long now)
    {
        var want = g.Consumer!.Members.Count == 0 ? GroupState.Empty : GroupState.Stable;
        if (!g.Is(want)) g.TransitionTo(want, now);
        if (want == GroupState.Empty) g.SubscribedTopics = null;
    }

    /// <summary>Expires consumer group members whose session ended or who did not revoke in time.</summary>
    public int ExpireMembers(ClassicGroup g, long now)
    {
        if (g.Consumer is not { } cg) return 0;
        int n = 0;
        foreach (var m in cg.Members.Values.ToList())
        {
            if (now < m.HeartbeatDeadlineMs && now < m.RevocationDeadlineMs) continue;
            RemoveConsumerMember(g, m, null, now);
            n++;
        }
        if (n > 0) _log.WriteChanges(g);
        return n;
    }

    /// <summary>ConsumerGroupDescribe for one group: GROUP_ID_NOT_FOUND for unknown and classic groups.</summary>
    public ConsumerGroupDescribeResponse.DescribedGroup Describe(string groupId, bool includeAuthorizedOperations, IReadOnlyList<ConsumerTopic> topics)
    {
        var d = new ConsumerGroupDescribeResponse.DescribedGroup
        {
            GroupId = groupId,
            AuthorizedOperations = includeAuthorizedOperations ? GroupCoordinator.GroupAuthorizedOperations : int.MinValue,
        };
        if (string.IsNullOrEmpty(groupId))
        {
            d.ErrorCode = (short)ErrorCode.InvalidGroupId;
            return d;
        }
        if (!_groups.TryGetValue(groupId, out var g) || g.Is(GroupState.Dead) || g.Consumer is not { } cg)
        {
            d.ErrorCode = (short)ErrorCode.GroupIdNotFound;
            d.ErrorMessage = g is null ? $"Group {groupId} not found." : $"Group {groupId} is not a consumer group.";
            d.GroupState = "Dead";
            return d;
        }
        var names = topics.ToDictionary(t => t.Id, t => t.Name);
        d.GroupState = cg.StateName;
        d.GroupEpoch = cg.GroupEpoch;
        d.AssignmentEpoch = cg.AssignmentEpoch;
        d.AssignorName = cg.AssignorName;
        foreach (var m in cg.Members.Values)
        {
            d.Members.Add(new ConsumerGroupDescribeResponse.Member
            {
                MemberId = m.MemberId,
                InstanceId = m.InstanceId,
                RackId = m.RackId,
                MemberEpoch = m.MemberEpoch,
                ClientId = m.ClientId,
                ClientHost = m.ClientHost,
                SubscribedTopicNames = [.. m.SubscribedTopicNames],
                SubscribedTopicRegex = m.SubscribedTopicRegex,
                Assignment = Described(m.Assigned, names),
                TargetAssignment = Described(cg.Target.GetValueOrDefault(m.MemberId) ?? [], names),
            });
        }
        return d;
    }

    private static ConsumerGroupDescribeResponse.Assignment Described(HashSet<TopicIdPartition> set, Dictionary<Guid, string> names)
    {
        var a = new ConsumerGroupDescribeResponse.Assignment();
        foreach (var byTopic in set.GroupBy(tp => tp.TopicId).OrderBy(x => names.GetValueOrDefault(x.Key, ""), StringComparer.Ordinal))
        {
            a.TopicPartitions.Add(new ConsumerGroupDescribeResponse.TopicPartitions
            {
                TopicId = byTopic.Key,
                TopicName = names.GetValueOrDefault(byTopic.Key, ""),
                Partitions = [.. byTopic.Select(tp => tp.Partition).Order()],
            });
        }
        return a;
    }

    /// <summary>The assigned partitions of a consumer group member (for tests).</summary>
    public IReadOnlyCollection<TopicIdPartition> AssignmentOf(string groupId, string memberId) =>
        _groups.TryGetValue(groupId, out var g) && g.Consumer?.Members.GetValueOrDefault(memberId) is { } m ? m.Assigned : [];

    /// <summary>The consumer group state name (Empty, Assigning, Reconciling, Stable), or null for an unknown or classic group.</summary>
    public string? StateOf(string groupId) => _groups.TryGetValue(groupId, out var g) ? g.Consumer?.StateName : null;
}
