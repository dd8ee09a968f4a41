using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Storage.Memory;

namespace Chronik.Coordination.Tests;

/// <summary>max.broker.partitions in the topic manager: counted under its lock, freed by deletion, the offsets topic exempt.</summary>
public sealed class TopicPartitionLimitTests
{
    private static TopicManager Topics(int limit) => new(new MemoryLogStore(), new TopicDefaults { MaxBrokerPartitions = limit }, new Chronik.Coordination.Metadata.MemoryMetadataStore(), dataDir: null);

    [Fact]
    public async Task Concurrent_creations_never_pass_the_limit_together()
    {
        var topics = Topics(1000);
        int created = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 40; i++)
            {
                if (topics.Create($"t-{worker}-{i}", 7, 1, null, validateOnly: false).Error == ErrorCode.None) Interlocked.Increment(ref created);
            }
        })));

        Assert.Equal(1000 / 7, created);
        Assert.Equal(created * 7L, topics.PartitionCount);
        Assert.Equal(topics.PartitionCount, topics.Topics.Sum(t => t.PartitionCount));
    }

    [Fact]
    public void Deleting_frees_room_growing_counts_and_only_the_offsets_topic_is_exempt()
    {
        var topics = Topics(10);
        Assert.Equal(ErrorCode.None, topics.Create("a", 6, 1, null, validateOnly: false).Error);
        Assert.Equal(ErrorCode.None, topics.CreatePartitions("a", 10, validateOnly: false).Error);

        var full = topics.CreatePartitions("a", 11, validateOnly: true);
        Assert.Equal((ErrorCode.PolicyViolation, "Unable to create 1 partition(s) for topic 'a': the broker has 10 partition(s) and max.broker.partitions=10 allows 0 more."), (full.Error, full.Message));
        Assert.Equal(ErrorCode.PolicyViolation, topics.Create("__mine", 1, 1, null, validateOnly: false).Error);
        Assert.Equal(ErrorCode.None, topics.Create(TopicNames.ConsumerOffsets, 1, 1, null, validateOnly: false).Error);
        Assert.Equal(11, topics.PartitionCount);

        Assert.Equal(ErrorCode.None, topics.Delete("a").Error);
        Assert.Equal(1, topics.PartitionCount);
        Assert.Equal(ErrorCode.None, topics.Create("b", 9, 1, null, validateOnly: false).Error);
        Assert.Equal(ErrorCode.PolicyViolation, topics.Create("c", 1, 1, null, validateOnly: false).Error);
    }

    [Fact]
    public void A_hundred_thousand_partitions_fit_under_max_broker_partitions_200000()
    {
        var topics = Topics(200_000);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(ErrorCode.None, topics.Create($"big-{i}", 10_000, 1, null, validateOnly: false).Error);
        }

        Assert.Equal(100_000, topics.PartitionCount);
        Assert.NotNull(topics.GetLog("big-9", 9_999));
    }
}
