using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;

namespace Chronik.Coordination.Tests.ShareGroups;

public sealed class SimpleShareAssignorTests
{
    private static readonly ConsumerTopic Topic = new("t", Guid.Parse("cccccccc-0000-0000-0000-000000000003"), 1, false);

    [Fact]
    public void Every_size_and_every_previous_assignment_gives_a_balanced_fully_shared_result()
    {
        var rng = new Random(11);
        for (int members = 1; members <= 9; members++)
        {
            for (int partitions = 1; partitions <= 7; partitions++)
            {
                var topic = Topic with { PartitionCount = partitions };
                var ids = Enumerable.Range(0, members).Select(i => $"m{i}").ToList();
                var subscriptions = ids.ToDictionary(id => id, _ => (IReadOnlyList<ConsumerTopic>)[topic]);
                for (int round = 0; round < 5; round++)
                {
                    // A random previous target, as churn leaves it.
                    var previous = ids.ToDictionary(id => id, _ => Enumerable.Range(0, partitions).Where(_ => rng.Next(3) == 0)
                        .Select(p => new TopicIdPartition(topic.Id, p)).ToHashSet());
                    var target = SimpleShareAssignor.Assign(subscriptions, previous);
                    int sharing = (members + partitions - 1) / partitions;
                    for (int p = 0; p < partitions; p++)
                    {
                        int owners = target.Values.Count(s => s.Contains(new TopicIdPartition(topic.Id, p)));
                        Assert.True(owners == sharing, $"{members}x{partitions}: partition {p} has {owners}, expected {sharing}");
                    }
                    var sizes = target.Values.Select(s => s.Count).ToList();
                    Assert.True(sizes.Max() - sizes.Min() <= 1, $"{members}x{partitions}: {string.Join(",", sizes)}");
                    Assert.Equal(target, SimpleShareAssignor.Assign(subscriptions, previous));
                }
            }
        }
    }

    [Fact]
    public void No_members_or_no_partitions_assign_nothing()
    {
        Assert.Empty(SimpleShareAssignor.Assign(new Dictionary<string, IReadOnlyList<ConsumerTopic>>(), new Dictionary<string, HashSet<TopicIdPartition>>()));
        var none = SimpleShareAssignor.Assign(new Dictionary<string, IReadOnlyList<ConsumerTopic>> { ["m"] = [] }, new Dictionary<string, HashSet<TopicIdPartition>>());
        Assert.Empty(none["m"]);
    }
}
