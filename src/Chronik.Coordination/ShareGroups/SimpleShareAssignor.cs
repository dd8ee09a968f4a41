using Chronik.Coordination.Groups;

namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// Kafka's <c>simple</c> share group assignor (4.1+): partitions are spread over the members, and when there
/// are more members than partitions several members share a partition — every partition is shared by
/// ceil(members / partitions) members and every member gets an even share of those slots. Balance comes
/// first, then stickiness: a member keeps what it had as far as balance allows. A group whose members all
/// subscribe to the same topics is balanced over all their partitions together; otherwise each topic is
/// balanced over its subscribers. Members and partitions are walked in sorted order (Kafka walks hash
/// order), so the result is deterministic.
/// </summary>
public static class SimpleShareAssignor
{
    public const string Name = "simple";

    /// <summary>
    /// The target assignment: <paramref name="subscriptions"/> maps each member id to the existing topics it
    /// subscribes to; <paramref name="previous"/> is the last target, for stickiness.
    /// </summary>
    public static Dictionary<string, HashSet<TopicIdPartition>> Assign(IReadOnlyDictionary<string, IReadOnlyList<ConsumerTopic>> subscriptions,
        IReadOnlyDictionary<string, HashSet<TopicIdPartition>> previous)
    {
        var result = new Dictionary<string, HashSet<TopicIdPartition>>(StringComparer.Ordinal);
        var members = subscriptions.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var m in members) result[m] = [];
        if (members.Count == 0) return result;

        var first = TopicSet(subscriptions[members[0]]);
        bool homogeneous = members.All(m => TopicSet(subscriptions[m]).SetEquals(first));
        if (homogeneous)
        {
            Balance(members, Partitions(subscriptions[members[0]]), previous, result);
            return result;
        }
        var topics = subscriptions.Values.SelectMany(t => t).DistinctBy(t => t.Id).OrderBy(t => t.Id);
        foreach (var topic in topics)
        {
            var subscribers = members.Where(m => subscriptions[m].Any(t => t.Id == topic.Id)).ToList();
            Balance(subscribers, Partitions([topic]), previous, result);
        }
        return result;
    }

    private static HashSet<Guid> TopicSet(IReadOnlyList<ConsumerTopic> topics) => [.. topics.Select(t => t.Id)];

    private static List<TopicIdPartition> Partitions(IEnumerable<ConsumerTopic> topics)
    {
        var list = new List<TopicIdPartition>();
        foreach (var t in topics.DistinctBy(t => t.Id).OrderBy(t => t.Id))
        {
            for (int p = 0; p < t.PartitionCount; p++) list.Add(new TopicIdPartition(t.Id, p));
        }
        return list;
    }

    /// <summary>Adds a balanced, sticky assignment of <paramref name="partitions"/> over <paramref name="members"/> to <paramref name="result"/>.</summary>
    private static void Balance(List<string> members, List<TopicIdPartition> partitions, IReadOnlyDictionary<string, HashSet<TopicIdPartition>> previous,
        Dictionary<string, HashSet<TopicIdPartition>> result)
    {
        if (members.Count == 0 || partitions.Count == 0) return;
        int sharing = (members.Count + partitions.Count - 1) / partitions.Count;
        int slots = sharing * partitions.Count;
        var desired = new int[members.Count];
        for (int i = 0; i < members.Count; i++) desired[i] = slots / members.Count + (i < slots % members.Count ? 1 : 0);
        var owners = partitions.ToDictionary(p => p, _ => 0);
        var counts = new int[members.Count];

        // Keep what each member had, up to its share and the partition's sharing.
        for (int i = 0; i < members.Count; i++)
        {
            if (!previous.TryGetValue(members[i], out var had)) continue;
            foreach (var p in had.OrderBy(x => x.TopicId).ThenBy(x => x.Partition))
            {
                if (counts[i] >= desired[i]) break;
                if (!owners.TryGetValue(p, out int n) || n >= sharing) continue;
                result[members[i]].Add(p);
                owners[p] = n + 1;
                counts[i]++;
            }
        }

        // Give each under-shared partition to the least-filled members that still want more and lack it.
        foreach (var p in partitions)
        {
            while (owners[p] < sharing)
            {
                int best = -1;
                for (int i = 0; i < members.Count; i++)
                {
                    if (counts[i] >= desired[i] || result[members[i]].Contains(p)) continue;
                    if (best < 0 || counts[i] < counts[best]) best = i;
                }
                if (best < 0) break;
                result[members[best]].Add(p);
                owners[p]++;
                counts[best]++;
            }
        }

        // Greedy filling can strand a partition whose only wanting members already have it: swap one
        // holder of another partition onto it and give that other partition to the wanting member.
        for (int guard = 0; guard < slots; guard++)
        {
            if (!Repair(members, partitions, result, owners, counts, desired, sharing)) break;
        }
    }

    private static bool Repair(List<string> members, List<TopicIdPartition> partitions, Dictionary<string, HashSet<TopicIdPartition>> result,
        Dictionary<TopicIdPartition, int> owners, int[] counts, int[] desired, int sharing)
    {
        foreach (var p in partitions)
        {
            if (owners[p] >= sharing) continue;
            for (int u = 0; u < members.Count; u++)
            {
                if (counts[u] >= desired[u]) continue;
                var mine = result[members[u]];
                for (int v = 0; v < members.Count; v++)
                {
                    var theirs = result[members[v]];
                    if (v == u || theirs.Contains(p)) continue;
                    foreach (var q in partitions)
                    {
                        if (!theirs.Contains(q) || mine.Contains(q)) continue;
                        theirs.Remove(q);
                        theirs.Add(p);
                        mine.Add(q);
                        owners[p]++;
                        counts[u]++;
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
