using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Groups;

/// <summary>
/// One group's state: members (in join order; the first becomes leader), members that were given an id but
/// have not joined yet (KIP-394), static members by instance id (KIP-345), the current generation and
/// protocol, the rebalance timers, and the committed offsets.
/// </summary>
internal sealed class ClassicGroup
{
    private readonly Dictionary<string, int> _protocolVotes = new(StringComparer.Ordinal);

    public ClassicGroup(string groupId, long nowMs)
    {
        GroupId = groupId;
        StateTimestampMs = nowMs;
    }

    public string GroupId { get; }
    public GroupState State { get; private set; } = GroupState.Empty;
    /// <summary>When the group entered its current state (offsets of an empty group expire from then).</summary>
    public long StateTimestampMs { get; private set; }
    public int GenerationId { get; set; }
    /// <summary>Null until a member joins (a group made only by standalone offset commits has none).</summary>
    public string? ProtocolType { get; set; }
    public string? ProtocolName { get; set; }
    public string? LeaderId { get; set; }
    public OrderedDictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);
    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED, and when they expire if the member never joins with them.</summary>
    public Dictionary<string, long> PendingMembers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> StaticMembers { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Topic, int Partition), CommittedOffset> Offsets { get; } = [];

    /// <summary>When the current join phase ends at the latest (PreparingRebalance only).</summary>
    public long JoinDeadlineMs { get; set; }
    /// <summary>The first rebalance of an empty group waits group.initial.rebalance.delay.ms, extended while new members keep arriving.</summary>
    public bool InitialJoin { get; set; }
    public int InitialDelayMs { get; set; }
    public int InitialRemainingMs { get; set; }
    public bool NewMemberAdded { get; set; }
    /// <summary>Topics the members subscribe to (consumer protocol only), computed each generation; null when unknown.</summary>
    public HashSet<string>? SubscribedTopics { get; set; }
    /// <summary>Set when this is a consumer (KIP-848) group rather than a classic one.</summary>
    public ConsumerGroup? Consumer { get; set; }
    /// <summary>"consumer" for KIP-848 groups, else "classic".</summary>
    public string GroupType => Consumer is null ? "classic" : "consumer";

    public bool Is(GroupState s) => State == s;

    public void TransitionTo(GroupState state, long nowMs)
    {
        State = state;
        StateTimestampMs = nowMs;
    }

    public void RestoreState(GroupState state, long stateTimestampMs)
    {
        State = state;
        StateTimestampMs = stateTimestampMs;
    }

    public int RebalanceTimeoutMs
    {
        get
        {
            int max = 0;
            foreach (var m in Members.Values) max = Math.Max(max, m.RebalanceTimeoutMs);
            return max;
        }
    }

    public bool AllMembersJoined
    {
        get
        {
            if (PendingMembers.Count > 0) return false;
            foreach (var m in Members.Values)
            {
                if (!m.IsAwaitingJoin) return false;
            }
            return true;
        }
    }

    public GroupMember? Get(string memberId) => Members.GetValueOrDefault(memberId);

    public void Add(GroupMember member)
    {
        if (Members.Count == 0) ProtocolType = member.ProtocolType;
        Members[member.MemberId] = member;
        LeaderId ??= member.MemberId;
        if (member.GroupInstanceId is { } instance) StaticMembers[instance] = member.MemberId;
        Vote(member, +1);
        PendingMembers.Remove(member.MemberId);
    }

    public void Remove(string memberId)
    {
        if (!Members.Remove(memberId, out var member)) return;
        Vote(member, -1);
        if (member.GroupInstanceId is { } instance && StaticMembers.GetValueOrDefault(instance) == memberId) StaticMembers.Remove(instance);
        if (LeaderId == memberId)
        {
            LeaderId = null;
            foreach (var m in Members.Values)
            {
                if (m.IsAwaitingJoin)
                {
                    LeaderId = m.MemberId;
                    break;
                }
            }
            if (LeaderId is null && Members.Count > 0) LeaderId = Members.GetAt(0).Key;
        }
    }

    public void UpdateProtocols(GroupMember member, List<(string Name, byte[] Metadata)> protocols)
    {
        Vote(member, -1);
        member.Protocols = protocols;
        Vote(member, +1);
    }

    /// <summary>Gives a static member the id of its new instance (KIP-345); the member keeps its place, assignment and leadership.</summary>
    public GroupMember ReplaceStaticMember(string instanceId, string oldMemberId, string newMemberId)
    {
        int index = Members.IndexOf(oldMemberId);
        var member = Members.GetAt(index).Value;
        Members.RemoveAt(index);
        member.MemberId = newMemberId;
        Members.Insert(index, newMemberId, member);
        StaticMembers[instanceId] = newMemberId;
        if (LeaderId == oldMemberId) LeaderId = newMemberId;
        return member;
    }

    /// <summary>KIP-345: a request naming a known instance id with another member id comes from a fenced (older) instance.</summary>
    public bool IsStaticMemberFenced(string? instanceId, string memberId) =>
        instanceId is not null && StaticMembers.TryGetValue(instanceId, out var current) && current != memberId;

    /// <summary>True when the group can take these protocols: the type matches and at least one protocol is supported by every member.</summary>
    public bool SupportsProtocols(string protocolType, List<(string Name, byte[] Metadata)> protocols)
    {
        if (Members.Count == 0) return protocolType.Length > 0 && protocols.Count > 0;
        if (protocolType != ProtocolType) return false;
        foreach (var (name, _) in protocols)
        {
            if (_protocolVotes.GetValueOrDefault(name) == Members.Count) return true;
        }
        return false;
    }

    /// <summary>Kafka's selection: among protocols every member supports, each member votes for its most preferred; the most votes wins.</summary>
    public string SelectProtocol()
    {
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, count) in _protocolVotes)
        {
            if (count == Members.Count) candidates.Add(name);
        }
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        string? best = null;
        foreach (var m in Members.Values)
        {
            foreach (var (name, _) in m.Protocols)
            {
                if (!candidates.Contains(name)) continue;
                int v = votes[name] = votes.GetValueOrDefault(name) + 1;
                if (best is null || v > votes[best]) best = name;
                break;
            }
        }
        return best ?? throw new InvalidOperationException("no protocol is supported by every member");
    }

    /// <summary>Starts the next generation: a protocol for the members, or Empty when none are left.</summary>
    public void InitNextGeneration(long nowMs)
    {
        GenerationId++;
        if (Members.Count > 0)
        {
            ProtocolName = SelectProtocol();
            SubscribedTopics = ComputeSubscribedTopics();
            TransitionTo(GroupState.CompletingRebalance, nowMs);
        }
        else
        {
            ProtocolName = null;
            SubscribedTopics = null;
            TransitionTo(GroupState.Empty, nowMs);
        }
    }

    /// <summary>The union of the members' ConsumerProtocolSubscription topics; null if the group is not a consumer group or a subscription is unreadable.</summary>
    public HashSet<string>? ComputeSubscribedTopics()
    {
        if (ProtocolType != "consumer" || ProtocolName is null) return null;
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in Members.Values)
        {
            var metadata = m.MetadataFor(ProtocolName);
            try
            {
                var r = new KafkaReader(metadata);
                short version = r.ReadInt16();
                if (version < 0) return null;
                var sub = new ConsumerProtocolSubscription();
                sub.Read(ref r, Math.Min(version, sub.HighestSupportedVersion));
                topics.UnionWith(sub.Topics);
            }
            catch (Exception e) when (e is KafkaProtocolException or UnsupportedVersionException or ArgumentException or IndexOutOfRangeException)
            {
                return null;
            }
        }
        return topics;
    }

    public StoredGroup ToStored() => new(
        ProtocolType ?? "",
        GenerationId,
        ProtocolName,
        LeaderId,
        StateTimestampMs,
        Members.Values.Select(m => new StoredMember(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
            m.RebalanceTimeoutMs, m.SessionTimeoutMs, m.MetadataFor(ProtocolName), m.Assignment)).ToList());

    // One vote per distinct name: a member listing a protocol twice must not count as two members supporting it
    // (SelectProtocol would then find no protocol every member supports, and throw at each rebalance).
    private void Vote(GroupMember member, int delta)
    {
        foreach (var name in member.Protocols.Select(p => p.Name).Distinct(StringComparer.Ordinal))
        {
            int n = _protocolVotes.GetValueOrDefault(name) + delta;
            if (n == 0) _protocolVotes.Remove(name);
            else _protocolVotes[name] = n;
        }
    }
}
