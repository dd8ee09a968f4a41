using Confluent.Kafka;
using Chronik.Broker.Services;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>The consumer group protocol (KIP-848, group.protocol=consumer) with Confluent.Kafka (librdkafka 2.12).</summary>
public class GroupConsumerProtocolTests
{
    private static IConsumer<string, string> Consumer(string bootstrap, string group) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();

    [Fact]
    public async Task Two_consumer_protocol_members_share_a_topic_consume_and_commit()
    {
        await using var broker = new GroupTestBroker();
        broker.Options.GroupConsumerHeartbeatIntervalMs = 300;
        await broker.StartAsync();
        const string topic = "kip848-share";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1 }]);
        }
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, LingerMs = 5 }).Build())
        {
            for (int i = 0; i < 400; i++) producer.Produce(new TopicPartition(topic, i % 4), new Message<string, string> { Key = "k" + i, Value = "v" + i });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var first = Consumer(broker.Bootstrap, "kip848-g");
        using var second = Consumer(broker.Bootstrap, "kip848-g");
        first.Subscribe(topic);
        var seenFirst = new HashSet<string>();
        var seenSecond = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // The first member alone gets all four partitions.
        while (first.Assignment.Count < 4 && DateTime.UtcNow < deadline)
        {
            var r = first.Consume(TimeSpan.FromMilliseconds(100));
            if (r is { IsPartitionEOF: false }) seenFirst.Add(r.Message.Value);
        }
        Assert.Equal(4, first.Assignment.Count);

        second.Subscribe(topic);
        deadline = DateTime.UtcNow.AddSeconds(40);
        while ((first.Assignment.Count != 2 || second.Assignment.Count != 2 || seenFirst.Union(seenSecond).Count() < 400) && DateTime.UtcNow < deadline)
        {
            var r1 = first.Consume(TimeSpan.FromMilliseconds(50));
            if (r1 is { IsPartitionEOF: false }) seenFirst.Add(r1.Message.Value);
            var r2 = second.Consume(TimeSpan.FromMilliseconds(50));
            if (r2 is { IsPartitionEOF: false }) seenSecond.Add(r2.Message.Value);
        }
        Assert.Equal(2, first.Assignment.Count);
        Assert.Equal(2, second.Assignment.Count);
        Assert.Empty(first.Assignment.Intersect(second.Assignment));

        // Records of the partitions that moved may be read by both; every record is read at least once.
        Assert.Equal(400, seenFirst.Union(seenSecond).Count());
        // Each member reads its own partitions to the end, then commits them.
        deadline = DateTime.UtcNow.AddSeconds(20);
        var committed = new List<TopicPartitionOffset>();
        foreach (var c in new[] { first, second })
        {
            while (DateTime.UtcNow < deadline)
            {
                var positions = c.Assignment.Select(tp => c.Position(tp)).ToList();
                if (positions.All(p => p.Value == 100)) break;
                var r = c.Consume(TimeSpan.FromMilliseconds(100));
                if (r is { IsPartitionEOF: false }) (c == first ? seenFirst : seenSecond).Add(r.Message.Value);
            }
            committed.AddRange(c.Commit());
        }
        Assert.Equal(4, committed.Count);
        Assert.All(committed, tpo => Assert.Equal(100, tpo.Offset.Value));
        Assert.All(first.Committed(TimeSpan.FromSeconds(10)), tpo => Assert.Equal(100, tpo.Offset.Value));

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            var listed = await admin.ListConsumerGroupsAsync();
            var g = Assert.Single(listed.Valid, x => x.GroupId == "kip848-g");
            Assert.Equal(ConsumerGroupState.Stable, g.State);
        }
        first.Close();
        second.Close();
    }

    [Fact]
    public async Task A_member_keeps_its_epoch_and_partitions_across_a_broker_restart_and_consumes_on()
    {
        await using var broker = new GroupTestBroker();
        broker.Options.GroupConsumerHeartbeatIntervalMs = 300;
        await broker.StartAsync();
        const string topic = "kip848-restart";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1 }]);
        }
        void Produce(int from, int to)
        {
            using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, LingerMs = 5 }).Build();
            for (int i = from; i < to; i++) producer.Produce(new TopicPartition(topic, i % 4), new Message<string, string> { Key = "k" + i, Value = "v" + i });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        Produce(0, 200);

        int revocations = 0;
        var seen = new List<string>();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "kip848-restart-g",
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetPartitionsRevokedHandler((_, _) => revocations++).SetPartitionsLostHandler((_, _) => revocations++).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (seen.Count < 200 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is { IsPartitionEOF: false }) seen.Add(r.Message.Value);
        }
        Assert.Equal(200, seen.Count);
        Assert.Equal(4, consumer.Assignment.Count);
        consumer.Commit();
        var before = Describe(broker);
        var member = Assert.Single(before.Members);
        Assert.Equal(consumer.MemberId, member.MemberId);

        // Restart the broker on the same data directory while the consumer stays in the group.
        await broker.StopAsync();
        await broker.StartAsync();
        var after = Describe(broker);
        AssertOffsetsLogInKafkasLayouts(broker);
        Assert.Equal(0, after.ErrorCode);
        Assert.Equal(before.GroupEpoch, after.GroupEpoch);
        Assert.Equal(member.MemberEpoch, Assert.Single(after.Members).MemberEpoch);

        Produce(200, 400);
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < 400 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is { IsPartitionEOF: false }) seen.Add(r.Message.Value);
        }
        // Every record exactly once: the consumer went on from where it was, without a rebalance.
        Assert.Equal(400, seen.Count);
        Assert.Equal(400, seen.Distinct().Count());
        Assert.Equal(0, revocations);
        var final = Describe(broker);
        Assert.Equal(member.MemberId, Assert.Single(final.Members).MemberId);
        Assert.Equal(member.MemberEpoch, final.Members[0].MemberEpoch);
        var committed = consumer.Commit();
        Assert.Equal(400, committed.Sum(tpo => tpo.Offset.Value));
        consumer.Close();
    }

    /// <summary>
    /// The offsets log the group was restored from starts with the format marker, holds the group's KIP-848 records
    /// (types 3, 5-8), and each value decodes with Kafka's generated codec and encodes back to the same bytes.
    /// </summary>
    private static void AssertOffsetsLogInKafkasLayouts(GroupTestBroker broker)
    {
        var log = broker.Services.GetRequiredService<Coordination.Topics.TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        var records = new List<(byte[] Key, byte[]? Value)>();
        Storage.KeyedLogReplay.ReadAll(log, (k, v) => records.Add((k, v)));
        Assert.Equal(Coordination.Groups.OffsetsLogFormat.RecordType, Protocol.Records.CoordinatorRecordCodec.Type(records[0].Key));
        var types = records.Select(r => Protocol.Records.CoordinatorRecordCodec.Type(r.Key)).ToHashSet();
        Assert.Superset(new HashSet<short> { 1, 3, 5, 6, 7, 8 }, types);
        foreach (var (key, value) in records.Where(r => r.Value is not null))
        {
            short type = Protocol.Records.CoordinatorRecordCodec.Type(key);
            var decoded = Protocol.Records.CoordinatorRecordCodec.ReadValue(Protocol.Records.GroupCoordinator.GroupCoordinatorRecordTypes.CreateValue(type)!, value!, out short version);
            Assert.Equal(value, Protocol.Records.CoordinatorRecordCodec.Value(decoded, version));
        }
    }

    private static Protocol.Messages.ConsumerGroupDescribeResponse.DescribedGroup Describe(GroupTestBroker broker)
    {
        var groups = broker.Services.GetRequiredService<GroupCoordinatorService>();
        var topics = groups.ConsumerTopics();
        return groups.Read(c => c.DescribeConsumerGroup("kip848-restart-g", false, topics));
    }
}
