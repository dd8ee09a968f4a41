namespace Chronik.Coordination.Groups;

/// <summary>A topic partition as KIP-848 names it: by topic id.</summary>
public readonly record struct TopicIdPartition(Guid TopicId, int Partition);

/// <summary>A topic as the consumer group assignors see it.</summary>
public sealed record ConsumerTopic(string Name, Guid Id, int PartitionCount, bool IsInternal);

/// <summary>Where a KIP-848 member is in reconciling its assignment with the group's target (Kafka's MemberState).</summary>
internal enum ConsumerMemberState
{
    Stable,
    /// <summary>The member must first give up partitions (PendingRevocation) before it gets the next epoch.</summary>
    UnrevokedPartitions,
    /// <summary>The member has the target epoch but some target partitions are still held by other members.</summary>
    UnreleasedPartitions,
}

/// <summary>One member of a consumer (KIP-848) group.</summary>
internal sealed class ConsumerMember
{
    public ConsumerMember(string memberId) => MemberId = memberId;

    public string MemberId { get; set; }
    public string? InstanceId { get; set; }
    public string? RackId { get; set; }
    public string ClientId { get; set; } = "";
    public string ClientHost { get; set; } = "";
    public int MemberEpoch { get; set; }
    public int PreviousMemberEpoch { get; set; }
    public int RebalanceTimeoutMs { get; set; }
    public List<string> SubscribedTopicNames { get; set; } = [];
    public string? SubscribedTopicRegex { get; set; }
    public string? ServerAssignor { get; set; }
    public ConsumerMemberState State { get; set; }
    /// <summary>The partitions the member may own now.</summary>
    public HashSet<TopicIdPartition> Assigned { get; set; } = [];
    /// <summary>Partitions the member was told to give up and has not yet confirmed giving up.</summary>
    public HashSet<TopicIdPartition> PendingRevocation { get; set; } = [];
    public long HeartbeatDeadlineMs { get; set; }
    /// <summary>When a member that must revoke partitions is fenced if it has not (its rebalance timeout).</summary>
    public long RevocationDeadlineMs { get; set; } = long.MaxValue;
    /// <summary>A static member that left with epoch -2: it keeps its assignment until its session expires or its instance rejoins.</summary>
    public bool LeftTemporarily { get; set; }
}

/// <summary>The KIP-848 side of a group: members with epochs, the target assignment and its epoch.</summary>
internal sealed class ConsumerGroup
{
    public int GroupEpoch { get; set; }
    public int AssignmentEpoch { get; set; }
    public SortedDictionary<string, ConsumerMember> Members { get; } = new(StringComparer.Ordinal);
    /// <summary>The target assignment by member id, computed for <see cref="AssignmentEpoch"/>.</summary>
    public Dictionary<string, HashSet<TopicIdPartition>> Target { get; } = new(StringComparer.Ordinal);
    /// <summary>
    /// A hash of what the target was computed from (members, their resolved subscriptions, topic metadata, the
    /// assignor): a change bumps the group epoch. 0 when unknown, which forces a recomputation.
    /// </summary>
    public long SignatureHash { get; set; }
    /// <summary>The assignor of the current target: set when the target is computed, and after a replay (which does not store it) the one the members ask for.</summary>
    public string AssignorName
    {
        get => _assignorName ??= ConsumerTargetAssignment.PreferredAssignor(Members.Values);
        set => _assignorName = value;
    }

    private string? _assignorName;

    /// <summary>Forgets the assignor, so the next read derives it from the members (a replayed group, whose records do not carry it).</summary>
    public void ForgetAssignor() => _assignorName = null;
    /// <summary>
    /// Regexes the group resolves: as in Kafka, where regex resolution is asynchronous, a regex new to the
    /// group matches topics only from the heartbeat after the one that brought it (literal topics come first).
    /// </summary>
    public HashSet<string> ResolvedRegexes { get; } = new(StringComparer.Ordinal);

    /// <summary>The value last written to the offsets log for each record of this group, by record type and member id ("" for group records).</summary>
    public Dictionary<(ConsumerRecordType Type, string MemberId), byte[]> Persisted { get; } = [];
    /// <summary>Members whose records may have changed since they were last written.</summary>
    public HashSet<string> Dirty { get; } = new(StringComparer.Ordinal);

    public ConsumerMember? StaticMember(string instanceId) => Members.Values.FirstOrDefault(m => m.InstanceId == instanceId);

    /// <summary>Kafka's consumer group states: Empty, Assigning, Reconciling, Stable.</summary>
    public string StateName
    {
        get
        {
            if (Members.Count == 0) return "Empty";
            if (GroupEpoch > AssignmentEpoch) return "Assigning";
            foreach (var m in Members.Values)
            {
                if (m.MemberEpoch != AssignmentEpoch || m.State != ConsumerMemberState.Stable) return "Reconciling";
            }
            return "Stable";
        }
    }
}
