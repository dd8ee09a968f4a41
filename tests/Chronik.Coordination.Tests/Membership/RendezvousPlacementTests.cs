using Chronik.Coordination.Membership;

namespace Chronik.Coordination.Tests.Membership;

/// <summary>The rendezvous placement: a fixed function, balanced over the brokers, and moving only what must move.</summary>
public sealed class RendezvousPlacementTests
{
    private static readonly Guid s_topic = Guid.Parse("6f1c2b8e-3d4a-4e5f-9a0b-1c2d3e4f5a6b");

    [Fact]
    public void The_weight_is_a_fixed_function_of_topic_partition_and_node()
    {
        // Pinned values: every broker and every build must compute the same leaders, so the function may never change.
        Assert.Equal(RendezvousPlacement.Weight(s_topic, 0, 1), RendezvousPlacement.Weight(Guid.Parse(s_topic.ToString()), 0, 1));
        Assert.NotEqual(RendezvousPlacement.Weight(s_topic, 0, 1), RendezvousPlacement.Weight(s_topic, 1, 1));
        Assert.NotEqual(RendezvousPlacement.Weight(s_topic, 0, 1), RendezvousPlacement.Weight(s_topic, 0, 2));
        Assert.Equal(15850681960674896843UL, RendezvousPlacement.Weight(s_topic, 0, 1));
        Assert.Equal("1,1,3,2,3,2,1,3", string.Join(",", Enumerable.Range(0, 8).Select(p => RendezvousPlacement.Leader(s_topic, p, [1, 2, 3]))));
    }

    [Fact]
    public void The_order_does_not_depend_on_how_the_nodes_are_listed()
    {
        for (int p = 0; p < 100; p++)
        {
            Assert.Equal(RendezvousPlacement.Replicas(s_topic, p, [1, 2, 3, 4], 4), RendezvousPlacement.Replicas(s_topic, p, [4, 2, 1, 3], 4));
            Assert.Equal(RendezvousPlacement.Leader(s_topic, p, [3, 1, 2]), RendezvousPlacement.Leader(s_topic, p, [1, 2, 3]));
        }
    }

    [Fact]
    public void Replicas_start_with_the_leader_and_are_distinct_and_at_most_the_live_count()
    {
        for (int p = 0; p < 50; p++)
        {
            int[] three = RendezvousPlacement.Replicas(s_topic, p, [1, 2, 3, 4, 5], 3);
            Assert.Equal(3, three.Length);
            Assert.Equal(RendezvousPlacement.Leader(s_topic, p, [1, 2, 3, 4, 5]), three[0]);
            Assert.Equal(3, three.Distinct().Count());
            Assert.Equal(2, RendezvousPlacement.Replicas(s_topic, p, [7, 9], 3).Length);
        }
        Assert.Empty(RendezvousPlacement.Replicas(s_topic, 0, [], 3));
        Assert.Equal(-1, RendezvousPlacement.Leader(s_topic, 0, []));
    }

    [Fact]
    public void Leaders_are_balanced_over_the_brokers()
    {
        int[] nodes = [1, 2, 3, 4, 5];
        var counts = new Dictionary<int, int>();
        int total = 0;
        for (int t = 0; t < 20; t++)
        {
            var topic = new Guid(t + 1, 0, 0, [0, 0, 0, 0, 0, 0, 0, (byte)t]);
            for (int p = 0; p < 500; p++)
            {
                int leader = RendezvousPlacement.Leader(topic, p, nodes);
                counts[leader] = counts.GetValueOrDefault(leader) + 1;
                total++;
            }
        }
        // 10,000 partitions over 5 brokers: 2,000 each expected; a binomial's standard deviation is 40.
        Assert.Equal(nodes, counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 1800, 2200));
        Assert.Equal(10_000, total);
    }

    [Fact]
    public void A_broker_leaving_moves_only_its_partitions_and_spreads_them()
    {
        int[] before = [1, 2, 3, 4];
        int[] after = [1, 2, 4];
        var moved = new Dictionary<int, int>();
        for (int p = 0; p < 4000; p++)
        {
            int was = RendezvousPlacement.Leader(s_topic, p, before);
            int now = RendezvousPlacement.Leader(s_topic, p, after);
            if (was != 3) Assert.Equal(was, now);
            else
            {
                // The second choice takes over: the replica list just loses the broker that left.
                Assert.Equal(RendezvousPlacement.Replicas(s_topic, p, before, 2)[1], now);
                moved[now] = moved.GetValueOrDefault(now) + 1;
            }
            Assert.Equal(RendezvousPlacement.Replicas(s_topic, p, before, 4).Where(n => n != 3), RendezvousPlacement.Replicas(s_topic, p, after, 3));
        }
        // About a quarter moved, spread over the three that remain.
        Assert.InRange(moved.Values.Sum(), 850, 1150);
        Assert.All(moved.Values, c => Assert.InRange(c, 200, 450));
    }

    [Fact]
    public void A_broker_joining_takes_about_its_share_and_nothing_moves_between_the_others()
    {
        int taken = 0;
        for (int p = 0; p < 3000; p++)
        {
            int was = RendezvousPlacement.Leader(s_topic, p, [1, 2]);
            int now = RendezvousPlacement.Leader(s_topic, p, [1, 2, 3]);
            if (now == 3) taken++;
            else Assert.Equal(was, now);
        }
        Assert.InRange(taken, 850, 1150);
    }
}
