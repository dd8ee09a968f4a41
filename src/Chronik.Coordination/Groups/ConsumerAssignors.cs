namespace Chronik.Coordination.Groups;

/// <summary>
/// The server-side assignors of KIP-848: <c>uniform</c> (sticky: members keep what they had up to an even
/// share, the rest goes to the least loaded subscribed member) and <c>range</c> (per topic, contiguous
/// ranges over the subscribed members in member id order).
/// </summary>
internal static class ConsumerAssignors
{
    public const string Uniform = "uniform";
    public const string Range = "range";

    public static bool IsSupported(string name) => name is Uniform or Range;

    /// <summary>
    /// Computes a target assignment. <paramref name="subscriptions"/> maps member id (sorted) to the topics it
    /// subscribes to that exist; <paramref name="current"/> is the previous target (for stickiness).
    /// </summary>
    public static Dictionary<string, HashSet<TopicIdPartition>> Assign(string assignor,
        IReadOnlyDictionary<string, List<ConsumerTopic>> subscriptions, IReadOnlyDictionary<string, HashSet<TopicIdPartition>> current)
    {
        var result = new Dictionary<string, HashSet<TopicIdPartition>>(StringComparer.Ordinal);
        foreach (var id in subscriptions.Keys) result[id] = [];
        var topics = subscriptions.Values.SelectMany(t => t).DistinctBy(t => t.Id).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        if (assignor == Range)
        {
            foreach (var t in topics)
            {
                var members = subscriptions.Where(kv => kv.Value.Any(x => x.Id == t.Id)).Select(kv => kv.Key).OrderBy(x => x, StringComparer.Ordinal).ToList();
                if (members.Count == 0) continue;
                int per = t.PartitionCount / members.Count, extra = t.PartitionCount % members.Count, p = 0;
                for (int i = 0; i < members.Count; i++)
                {
                    int n = per + (i < extra ? 1 : 0);
                    for (int k = 0; k < n; k++) result[members[i]].Add(new TopicIdPartition(t.Id, p++));
                }
            }
            return result;
        }
        // uniform: sticky up to an even share, then fill the least loaded eligible members.
        var all = new List<(TopicIdPartition Tp, List<string> Eligible)>();
        foreach (var t in topics)
        {
            var eligible = subscriptions.Where(kv => kv.Value.Any(x => x.Id == t.Id)).Select(kv => kv.Key).OrderBy(x => x, StringComparer.Ordinal).ToList();
            for (int p = 0; p < t.PartitionCount; p++) all.Add((new TopicIdPartition(t.Id, p), eligible));
        }
        int memberCount = Math.Max(1, subscriptions.Count(kv => kv.Value.Count > 0));
        int quota = (all.Count + memberCount - 1) / memberCount;
        var unassigned = new List<(TopicIdPartition Tp, List<string> Eligible)>();
        foreach (var (tp, eligible) in all)
        {
            string? owner = null;
            foreach (var (m, set) in current)
            {
                if (set.Contains(tp))
                {
                    owner = m;
                    break;
                }
            }
            if (owner is not null && result.TryGetValue(owner, out var mine) && eligible.Contains(owner) && mine.Count < quota) mine.Add(tp);
            else unassigned.Add((tp, eligible));
        }
        foreach (var (tp, eligible) in unassigned)
        {
            string? best = null;
            foreach (var m in eligible)
            {
                if (best is null || result[m].Count < result[best].Count) best = m;
            }
            if (best is not null) result[best].Add(tp);
        }
        return result;
    }
}
