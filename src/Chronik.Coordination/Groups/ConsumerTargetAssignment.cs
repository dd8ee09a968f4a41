using System.Text;
using System.Text.RegularExpressions;

namespace Chronik.Coordination.Groups;

/// <summary>
/// The KIP-848 assignment logic, as pure functions of a consumer group: resolving subscriptions, computing the
/// target assignment (a new group epoch) when its inputs change, and Kafka's CurrentAssignmentBuilder, which
/// moves a member towards its target, revoking before assigning.
/// </summary>
internal static class ConsumerTargetAssignment
{
    /// <summary>How long a subscription regex may run on one topic name.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The existing topics a member subscribes to: its named topics and, for a regex, every matching non-internal topic.</summary>
    private static List<ConsumerTopic> ResolveSubscription(ConsumerMember m, IReadOnlyList<ConsumerTopic> topics, HashSet<string> resolvedRegexes)
    {
        var names = new HashSet<string>(m.SubscribedTopicNames, StringComparer.Ordinal);
        Regex? regex = null;
        if (m.SubscribedTopicRegex is { Length: > 0 } pattern && resolvedRegexes.Contains(pattern))
        {
            try
            {
                regex = new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException)
            {
                regex = null;
            }
        }
        var result = new List<ConsumerTopic>();
        foreach (var t in topics)
        {
            bool match = names.Contains(t.Name);
            if (!match && regex is not null && !t.IsInternal)
            {
                try
                {
                    match = regex.IsMatch(t.Name);
                }
                catch (RegexMatchTimeoutException)
                {
                    match = false;
                }
            }
            if (match) result.Add(t);
        }
        return result;
    }

    /// <summary>Recomputes the target assignment (a new group epoch) when the members, their subscriptions or the subscribed topics changed.</summary>
    public static void MaybeUpdateTarget(ClassicGroup g, IReadOnlyList<ConsumerTopic> topics)
    {
        var cg = g.Consumer!;
        var subscriptions = new Dictionary<string, List<ConsumerTopic>>(StringComparer.Ordinal);
        var sig = new StringBuilder();
        foreach (var m in cg.Members.Values)
        {
            var resolved = ResolveSubscription(m, topics, cg.ResolvedRegexes);
            subscriptions[m.MemberId] = resolved;
            // Static members are named by instance id, so a new instance taking over changes nothing.
            sig.Append(m.InstanceId is null ? "m:" + m.MemberId : "i:" + m.InstanceId).Append('[');
            foreach (var t in resolved) sig.Append(t.Name).Append(':').Append(t.Id).Append(':').Append(t.PartitionCount).Append(',');
            sig.Append(']');
        }
        string assignor = PreferredAssignor(cg.Members.Values);
        sig.Append(assignor);
        long signature = SignatureHash(sig);
        // Regexes no member uses any more are forgotten; new ones are resolved from the next heartbeat on.
        cg.ResolvedRegexes.Clear();
        foreach (var m in cg.Members.Values)
        {
            if (m.SubscribedTopicRegex is { Length: > 0 } rx) cg.ResolvedRegexes.Add(rx);
        }
        g.SubscribedTopics = [.. subscriptions.Values.SelectMany(x => x).Select(t => t.Name)];
        if (signature == cg.SignatureHash)
        {
            cg.AssignorName = assignor;
            return;
        }
        cg.SignatureHash = signature;
        cg.AssignorName = assignor;
        cg.GroupEpoch++;
        var target = ConsumerAssignors.Assign(assignor, subscriptions, cg.Target);
        cg.Target.Clear();
        foreach (var (id, set) in target) cg.Target[id] = set;
        cg.AssignmentEpoch = cg.GroupEpoch;
    }

    /// <summary>The assignor the most members ask for (ties to the first name in ordinal order), uniform when none asks.</summary>
    public static string PreferredAssignor(IEnumerable<ConsumerMember> members)
    {
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in members)
        {
            if (m.ServerAssignor is { } a) votes[a] = votes.GetValueOrDefault(a) + 1;
        }
        return votes.Count == 0 ? ConsumerAssignors.Uniform : votes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
    }

    /// <summary>Kafka's CurrentAssignmentBuilder: moves a member towards its target, revoking before assigning.</summary>
    public static void Reconcile(ConsumerGroup cg, ConsumerMember m, HashSet<TopicIdPartition>? owned, long now)
    {
        switch (m.State)
        {
            case ConsumerMemberState.Stable:
                if (m.MemberEpoch != cg.AssignmentEpoch) NextAssignment(cg, m, now);
                break;
            case ConsumerMemberState.UnrevokedPartitions:
                if (owned is not null && !owned.Overlaps(m.PendingRevocation))
                {
                    m.PendingRevocation = [];
                    m.RevocationDeadlineMs = long.MaxValue;
                    NextAssignment(cg, m, now);
                }
                else if (!cg.Target.GetValueOrDefault(m.MemberId, []).IsSupersetOf(m.Assigned))
                {
                    // The target moved on while the member was revoking: revoke more if needed.
                    NextAssignment(cg, m, now);
                }
                break;
            case ConsumerMemberState.UnreleasedPartitions:
                NextAssignment(cg, m, now);
                break;
        }
    }

    private static void NextAssignment(ConsumerGroup cg, ConsumerMember m, long now)
    {
        var target = cg.Target.GetValueOrDefault(m.MemberId) ?? [];
        var keep = new HashSet<TopicIdPartition>(m.Assigned);
        keep.IntersectWith(target);
        var revoke = new HashSet<TopicIdPartition>(m.Assigned);
        revoke.ExceptWith(target);
        revoke.UnionWith(m.PendingRevocation);
        if (revoke.Count > 0)
        {
            m.Assigned = keep;
            m.PendingRevocation = revoke;
            if (m.State != ConsumerMemberState.UnrevokedPartitions) m.RevocationDeadlineMs = now + Math.Max(m.RebalanceTimeoutMs, 1);
            m.State = ConsumerMemberState.UnrevokedPartitions;
            return;
        }
        // Which other members still hold a partition (assigned or not yet revoked)?
        var heldByOthers = new HashSet<TopicIdPartition>();
        foreach (var other in cg.Members.Values)
        {
            if (other == m) continue;
            heldByOthers.UnionWith(other.Assigned);
            heldByOthers.UnionWith(other.PendingRevocation);
        }
        bool unreleased = false;
        foreach (var tp in target)
        {
            if (keep.Contains(tp)) continue;
            if (heldByOthers.Contains(tp)) unreleased = true;
            else keep.Add(tp);
        }
        m.Assigned = keep;
        m.PendingRevocation = [];
        m.RevocationDeadlineMs = long.MaxValue;
        if (m.MemberEpoch != cg.AssignmentEpoch)
        {
            m.PreviousMemberEpoch = m.MemberEpoch;
            m.MemberEpoch = cg.AssignmentEpoch;
        }
        m.State = unreleased ? ConsumerMemberState.UnreleasedPartitions : ConsumerMemberState.Stable;
    }

    /// <summary>A 64-bit FNV-1a hash of the target assignment's inputs; never 0, which means "unknown".</summary>
    private static long SignatureHash(StringBuilder sig)
    {
        ulong h = 14695981039346656037UL;
        foreach (var chunk in sig.GetChunks())
        {
            foreach (char c in chunk.Span)
            {
                h = (h ^ c) * 1099511628211UL;
            }
        }
        return h == 0 ? 1 : (long)h;
    }
}
