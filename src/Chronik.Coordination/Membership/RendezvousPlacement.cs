using System.Buffers.Binary;

namespace Chronik.Coordination.Membership;

/// <summary>
/// Where a partition lives among the live brokers: highest-random-weight (rendezvous) hashing of (topic id, partition,
/// node id). Every broker computes the same order from the same live set, with no coordination; when a broker leaves,
/// only the partitions it led move (to their second choice), and when one joins it takes about 1/N of them.
/// The weight is a fixed function of the bytes (no per-process seed), so it is stable across brokers and restarts.
/// </summary>
public static class RendezvousPlacement
{
    /// <summary>The partition's leader: the node with the highest weight; -1 when <paramref name="nodes"/> is empty.</summary>
    public static int Leader(Guid topicId, int partition, ReadOnlySpan<int> nodes)
    {
        int best = -1;
        ulong bestWeight = 0;
        foreach (int node in nodes)
        {
            ulong w = Weight(topicId, partition, node);
            if (best < 0 || w > bestWeight || (w == bestWeight && node < best))
            {
                best = node;
                bestWeight = w;
            }
        }
        return best;
    }

    /// <summary>The first <paramref name="count"/> nodes (at most all of them) by descending weight: the leader first.</summary>
    public static int[] Replicas(Guid topicId, int partition, ReadOnlySpan<int> nodes, int count)
    {
        int n = Math.Min(Math.Max(count, 0), nodes.Length);
        var weighted = new (ulong Weight, int Node)[nodes.Length];
        for (int i = 0; i < nodes.Length; i++) weighted[i] = (Weight(topicId, partition, nodes[i]), nodes[i]);
        // Highest weight first; equal weights (practically never) by node id, so the order is total.
        Array.Sort(weighted, static (a, b) => a.Weight != b.Weight ? b.Weight.CompareTo(a.Weight) : a.Node.CompareTo(b.Node));
        var result = new int[n];
        for (int i = 0; i < n; i++) result[i] = weighted[i].Node;
        return result;
    }

    /// <summary>The weight of <paramref name="node"/> for the partition: a 64-bit mix of the topic id's RFC 4122 bytes, the partition and the node.</summary>
    public static ulong Weight(Guid topicId, int partition, int node)
    {
        Span<byte> id = stackalloc byte[16];
        topicId.TryWriteBytes(id, bigEndian: true, out _);
        ulong h = Mix(BinaryPrimitives.ReadUInt64BigEndian(id) + 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ BinaryPrimitives.ReadUInt64BigEndian(id[8..]));
        return Mix(h ^ (((ulong)(uint)partition << 32) | (uint)node));
    }

    // SplitMix64's finalizer: every input bit flips about half of the output bits.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
