using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>The broker settings of share group membership (group.share.*).</summary>
public sealed record ShareGroupCoordinatorConfig
{
    /// <summary>group.share.max.size.</summary>
    public int MaxGroupSize { get; init; } = 200;
    /// <summary>The settings of a group (its share.* group configs over the broker's); null: the defaults.</summary>
    public Func<string, ShareGroupSettings>? SettingsFor { get; init; }
    /// <summary>Whether a classic or consumer group already holds an id (a share group cannot have it).</summary>
    public Func<string, bool>? IsOtherGroup { get; init; }
}

/// <summary>
/// Share group membership (KIP-932, ShareGroupHeartbeat): members join with a client-generated member id
/// and epoch 0, heartbeat with their epoch, leave with -1, and are fenced when share.session.timeout.ms
/// passes without a heartbeat. A change of the members, their subscriptions or the subscribed topics bumps
/// the group epoch; the next heartbeat computes the target assignment with <see cref="SimpleShareAssignor"/>
/// and moves each member straight to it (share groups have no revocation: partitions are shared). Records
/// out, deterministic, single-threaded (the owner serialises calls); time comes from the injected clock.
/// </summary>
public sealed partial class ShareGroupCoordinator(ShareGroupCoordinatorConfig config, TimeProvider time)
{
    private readonly Dictionary<string, ShareGroup> _groups = new(StringComparer.Ordinal);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    private ShareGroupSettings Settings(string groupId) => config.SettingsFor?.Invoke(groupId) ?? new ShareGroupSettings();

    public bool HasGroup(string groupId) => _groups.ContainsKey(groupId);

    /// <summary>
    /// Handles one ShareGroupHeartbeat. <paramref name="topics"/> are the cluster's topics (names, ids,
    /// partition counts); subscribed names that do not exist are ignored until they do.
    /// </summary>
    public ShareGroupResult<ShareGroupHeartbeatAnswer> Heartbeat(ShareGroupHeartbeatCall call, IReadOnlyList<ConsumerTopic> topics)
    {
        var records = new List<ShareGroupRecord>();
        var removed = new List<(string, string)>();
        ShareGroupHeartbeatAnswer answer;
        try
        {
            answer = Validate(call) ?? (call.MemberEpoch == -1 ? Leave(call, records, removed) : Beat(call, topics, records));
        }
        catch (ShareGroupException e)
        {
            answer = Fail(e.Error, e.Message, call.MemberId);
        }
        return new ShareGroupResult<ShareGroupHeartbeatAnswer>(answer, records, removed);
    }

    private sealed class ShareGroupException(ErrorCode error, string message) : Exception(message)
    {
        public ErrorCode Error { get; } = error;
    }

    private static ShareGroupHeartbeatAnswer Fail(ErrorCode error, string message, string? memberId) =>
        new(error, message, string.IsNullOrEmpty(memberId) ? null : memberId, 0, 0, null);

    private static ShareGroupHeartbeatAnswer? Validate(ShareGroupHeartbeatCall c)
    {
        if (string.IsNullOrEmpty(c.GroupId)) return Fail(ErrorCode.InvalidRequest, "GroupId can't be empty.", c.MemberId);
        if (c.RackId is { Length: 0 }) return Fail(ErrorCode.InvalidRequest, "RackId can't be empty.", c.MemberId);
        // Since Kafka 4.1 the consumer generates its member id (a UUID) before its first heartbeat.
        if (string.IsNullOrEmpty(c.MemberId)) return Fail(ErrorCode.InvalidRequest, "MemberId can't be empty.", c.MemberId);
        if (c.MemberEpoch < -1) return Fail(ErrorCode.InvalidRequest, "MemberEpoch is invalid.", c.MemberId);
        if (c.MemberEpoch == 0 && (c.SubscribedTopicNames is null || c.SubscribedTopicNames.Count == 0))
        {
            return Fail(ErrorCode.InvalidRequest, "SubscribedTopicNames must be set in first request.", c.MemberId);
        }
        return null;
    }

    private ShareGroup GroupFor(string groupId, bool create)
    {
        if (config.IsOtherGroup?.Invoke(groupId) == true) throw new ShareGroupException(ErrorCode.GroupIdNotFound, $"Group {groupId} is not a share group.");
        if (_groups.TryGetValue(groupId, out var g)) return g;
        if (!create) throw new ShareGroupException(ErrorCode.GroupIdNotFound, $"Group {groupId} not found.");
        g = new ShareGroup(groupId);
        _groups.Add(groupId, g);
        return g;
    }

    private ShareGroupHeartbeatAnswer Beat(ShareGroupHeartbeatCall c, IReadOnlyList<ConsumerTopic> topics, List<ShareGroupRecord> records)
    {
        var g = GroupFor(c.GroupId, c.MemberEpoch == 0);
        g.Members.TryGetValue(c.MemberId, out var member);
        if (member is null && g.Members.Count >= config.MaxGroupSize)
        {
            throw new ShareGroupException(ErrorCode.GroupMaxSizeReached, $"The share group has reached its maximum capacity of {config.MaxGroupSize} members.");
        }
        bool joining = c.MemberEpoch == 0;
        bool bump = false;
        if (member is null)
        {
            if (!joining) throw new ShareGroupException(ErrorCode.UnknownMemberId, $"Member {c.MemberId} is not a member of group {c.GroupId}.");
            member = new ShareGroupMember(c.MemberId);
            g.Members.Add(c.MemberId, member);
            bump = true;
        }
        else if (!joining)
        {
            if (c.MemberEpoch > member.MemberEpoch || (c.MemberEpoch < member.MemberEpoch && c.MemberEpoch != member.PreviousMemberEpoch))
            {
                throw new ShareGroupException(ErrorCode.FencedMemberEpoch,
                    $"The share group member has epoch {c.MemberEpoch}, the group coordinator knows {member.MemberEpoch}. The member must abandon all its partitions and rejoin.");
            }
        }

        string? rack = c.RackId ?? member.RackId;
        var subscribed = c.SubscribedTopicNames is null ? member.SubscribedTopicNames : [.. c.SubscribedTopicNames.Distinct().Order(StringComparer.Ordinal)];
        bump |= !subscribed.SequenceEqual(member.SubscribedTopicNames, StringComparer.Ordinal);
        if (bump || rack != member.RackId || c.ClientId != member.ClientId || c.ClientHost != member.ClientHost)
        {
            member.RackId = rack;
            member.SubscribedTopicNames = subscribed;
            member.ClientId = c.ClientId;
            member.ClientHost = c.ClientHost;
            records.Add(MemberRecord(g, member));
        }
        member.SessionDeadlineMs = NowMs + Settings(g.GroupId).SessionTimeoutMs;

        long hash = MetadataHash(g, topics);
        if (bump || hash != g.MetadataHash) BumpEpoch(g, hash, records);
        if (g.GroupEpoch > g.AssignmentEpoch) UpdateTarget(g, topics, records);

        int epochBefore = member.MemberEpoch;
        var assignedBefore = member.Assigned;
        if (joining) member.MemberEpoch = 0;
        Reconcile(g, member, records);
        bool changed = joining || member.MemberEpoch != epochBefore || !member.Assigned.SetEquals(assignedBefore);
        return new ShareGroupHeartbeatAnswer(ErrorCode.None, null, member.MemberId, member.MemberEpoch, Settings(g.GroupId).HeartbeatIntervalMs,
            changed ? ShareTopicPartitions.From(member.Assigned) : null);
    }

    /// <summary>Moves the member to the target assignment: share groups need no revocation, partitions are shared.</summary>
    private static void Reconcile(ShareGroup g, ShareGroupMember member, List<ShareGroupRecord> records)
    {
        if (member.MemberEpoch == g.AssignmentEpoch) return;
        member.PreviousMemberEpoch = member.MemberEpoch;
        member.MemberEpoch = g.AssignmentEpoch;
        member.Assigned = g.Target.TryGetValue(member.MemberId, out var target) ? [.. target] : [];
        records.Add(new ShareGroupCurrentAssignmentRecord(g.GroupId, member.MemberId, member.MemberEpoch, member.PreviousMemberEpoch, 0,
            ShareTopicPartitions.From(member.Assigned)));
    }

    private void UpdateTarget(ShareGroup g, IReadOnlyList<ConsumerTopic> topics, List<ShareGroupRecord> records)
    {
        var byName = topics.Where(t => !t.IsInternal).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var subscriptions = new Dictionary<string, IReadOnlyList<ConsumerTopic>>(StringComparer.Ordinal);
        foreach (var m in g.Members.Values)
        {
            subscriptions[m.MemberId] = [.. m.SubscribedTopicNames.Where(byName.ContainsKey).Select(n => byName[n])];
        }
        var target = SimpleShareAssignor.Assign(subscriptions, g.Target);
        foreach (var (memberId, partitions) in target)
        {
            if (g.Target.TryGetValue(memberId, out var old) && old.SetEquals(partitions)) continue;
            g.Target[memberId] = partitions;
            records.Add(new ShareGroupTargetMemberRecord(g.GroupId, memberId, ShareTopicPartitions.From(partitions)));
        }
        g.AssignmentEpoch = g.GroupEpoch;
        g.AssignmentTimestampMs = NowMs;
        records.Add(new ShareGroupTargetEpochRecord(g.GroupId, g.AssignmentEpoch, g.AssignmentTimestampMs));
    }

    private static void BumpEpoch(ShareGroup g, long hash, List<ShareGroupRecord> records)
    {
        g.GroupEpoch++;
        g.MetadataHash = hash;
        records.Add(new ShareGroupEpochRecord(g.GroupId, g.GroupEpoch, g.MetadataHash));
    }

    private static ShareGroupMemberRecord MemberRecord(ShareGroup g, ShareGroupMember m) =>
        new(g.GroupId, m.MemberId, m.RackId, m.ClientId, m.ClientHost, [.. m.SubscribedTopicNames]);

    /// <summary>
    /// A hash of the names, ids and partition counts of the topics the members subscribe to (Kafka's
    /// metadata hash, in spirit): FNV-1a, so that it is the same after a restart.
    /// </summary>
    private static long MetadataHash(ShareGroup g, IReadOnlyList<ConsumerTopic> topics)
    {
        var names = new HashSet<string>(g.Members.Values.SelectMany(m => m.SubscribedTopicNames), StringComparer.Ordinal);
        ulong h = 14695981039346656037UL;
        void Mix(ulong v)
        {
            for (int i = 0; i < 8; i++, v >>= 8) h = (h ^ (v & 0xFF)) * 1099511628211UL;
        }
        foreach (var t in topics.Where(t => names.Contains(t.Name)).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (char ch in t.Name) Mix(ch);
            var id = t.Id.ToByteArray();
            Mix(BitConverter.ToUInt64(id, 0));
            Mix(BitConverter.ToUInt64(id, 8));
            Mix((ulong)t.PartitionCount);
        }
        return h == 0 ? 1 : (long)h;
    }
}
