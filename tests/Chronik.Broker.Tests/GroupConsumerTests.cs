using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Consumer groups and committed offsets with Confluent.Kafka (librdkafka 2.12) against the in-process broker.</summary>
public class GroupConsumerTests
{
    private static async Task ProduceAsync(string bootstrap, string topic, int count, int partitions)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        for (int i = 0; i < count; i++)
        {
            producer.Produce(new TopicPartition(topic, i % partitions), new Message<string, string> { Key = "k" + i, Value = "v" + i });
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        await Task.CompletedTask;
    }

    private static IConsumer<string, string> Consumer(string bootstrap, string group, Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
        };
        configure?.Invoke(config);
        return new ConsumerBuilder<string, string>(config).Build();
    }

    private static async Task CreateTopicAsync(string bootstrap, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    [Fact]
    public async Task Group_consumer_subscribes_consumes_and_commits()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        const string topic = "grp-consume";
        await CreateTopicAsync(broker.Bootstrap, topic, 4);
        await ProduceAsync(broker.Bootstrap, topic, 400, 4);

        using var consumer = Consumer(broker.Bootstrap, "g1");
        consumer.Subscribe(topic);
        var seen = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (seen.Count < 400 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null || r.IsPartitionEOF) continue;
            seen.Add(r.Message.Value);
        }
        Assert.Equal(400, seen.Count);
        Assert.Equal(4, consumer.Assignment.Count);
        var committed = consumer.Commit();
        Assert.Equal(4, committed.Count);
        var fetched = consumer.Committed(TimeSpan.FromSeconds(10));
        Assert.All(fetched, tpo => Assert.Equal(100, tpo.Offset.Value));
        consumer.Close();
    }

    [Fact]
    public async Task Second_member_triggers_a_rebalance_and_both_get_partitions()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        const string topic = "grp-rebalance";
        await CreateTopicAsync(broker.Bootstrap, topic, 4);
        await ProduceAsync(broker.Bootstrap, topic, 40, 4);

        using var first = Consumer(broker.Bootstrap, "g2");
        first.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (first.Assignment.Count < 4 && DateTime.UtcNow < deadline) first.Consume(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, first.Assignment.Count);

        using var second = Consumer(broker.Bootstrap, "g2");
        second.Subscribe(topic);
        deadline = DateTime.UtcNow.AddSeconds(30);
        while ((first.Assignment.Count != 2 || second.Assignment.Count != 2) && DateTime.UtcNow < deadline)
        {
            first.Consume(TimeSpan.FromMilliseconds(50));
            second.Consume(TimeSpan.FromMilliseconds(50));
        }
        Assert.Equal(2, first.Assignment.Count);
        Assert.Equal(2, second.Assignment.Count);
        Assert.Empty(first.Assignment.Intersect(second.Assignment));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var description = await admin.DescribeConsumerGroupsAsync(["g2"]);
        var group = Assert.Single(description.ConsumerGroupDescriptions);
        Assert.Equal(ConsumerGroupState.Stable, group.State);
        Assert.Equal(2, group.Members.Count);
        var listed = await admin.ListConsumerGroupsAsync();
        Assert.Contains(listed.Valid, g => g.GroupId == "g2");

        second.Close();
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (first.Assignment.Count != 4 && DateTime.UtcNow < deadline) first.Consume(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, first.Assignment.Count);
        first.Close();
    }

    [Fact]
    public async Task Committed_offsets_survive_a_broker_restart()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        const string topic = "grp-restart";
        await CreateTopicAsync(broker.Bootstrap, topic, 2);
        await ProduceAsync(broker.Bootstrap, topic, 20, 2);
        using (var consumer = Consumer(broker.Bootstrap, "g3"))
        {
            consumer.Subscribe(topic);
            int n = 0;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (n < 20 && DateTime.UtcNow < deadline)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r is null || r.IsPartitionEOF) continue;
                n++;
            }
            Assert.Equal(20, n);
            consumer.Commit([new TopicPartitionOffset(topic, 0, 7), new TopicPartitionOffset(topic, 1, 9)]);
            consumer.Close();
        }
        await broker.StopAsync();
        await broker.StartAsync();

        using var after = Consumer(broker.Bootstrap, "g3");
        var committed = after.Committed([new TopicPartition(topic, 0), new TopicPartition(topic, 1)], TimeSpan.FromSeconds(10));
        Assert.Equal(7, committed.Single(c => c.Partition.Value == 0).Offset.Value);
        Assert.Equal(9, committed.Single(c => c.Partition.Value == 1).Offset.Value);

        // A new member of the group resumes from the committed offsets.
        after.Subscribe(topic);
        var firstOffsets = new Dictionary<int, long>();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (firstOffsets.Count < 2 && DateTime.UtcNow < until)
        {
            var r = after.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null || r.IsPartitionEOF) continue;
            firstOffsets.TryAdd(r.Partition.Value, r.Offset.Value);
        }
        Assert.Equal(7, firstOffsets[0]);
        Assert.Equal(9, firstOffsets[1]);
        after.Close();
    }

    [Fact]
    public async Task Admin_deletes_an_empty_group_and_its_offsets()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        const string topic = "grp-delete";
        await CreateTopicAsync(broker.Bootstrap, topic, 1);
        using (var consumer = Consumer(broker.Bootstrap, "g4"))
        {
            consumer.Commit([new TopicPartitionOffset(topic, 0, 3)]);
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("g4", null)]);
        Assert.Equal(3, Assert.Single(Assert.Single(offsets).Partitions).Offset.Value);
        await admin.DeleteGroupsAsync(["g4"]);
        var ex = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync(["g4"]));
        Assert.Equal(ErrorCode.GroupIdNotFound, ex.Results[0].Error.Code);
    }
}
