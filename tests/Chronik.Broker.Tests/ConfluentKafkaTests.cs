using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Confluent.Kafka 2.15.1 over librdkafka 2.12 against the in-process broker (and 2.16.0 over librdkafka 2.16.0 in Chronik.Broker.Tests.CK216, which links this file).</summary>
[Collection("broker")]
public class ConfluentKafkaTests(BrokerFixture broker)
{
    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Produce_then_consume_returns_every_record_in_order(CompressionType codec)
    {
        string topic = "ck-" + codec.ToString().ToLowerInvariant();
        const int count = 2000;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap,
            Acks = Acks.All,
            CompressionType = codec,
            LingerMs = 5,
        }).Build())
        {
            for (int i = 0; i < count; i++) producer.Produce(topic, new Message<string, string> { Key = "k" + i, Value = "value-" + i });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "unused-" + topic,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int next = 0;
        while (next < count && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r is null || r.IsPartitionEOF) continue;
            Assert.Equal(next, r.Offset.Value);
            Assert.Equal("value-" + next, r.Message.Value);
            Assert.Equal("k" + next, r.Message.Key);
            next++;
        }
        Assert.Equal(count, next);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_request_larger_than_the_socket_buffer_is_assembled_and_served()
    {
        const string topic = "ck-big-frames";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
            {
                Name = topic, NumPartitions = 1, ReplicationFactor = 1,
                Configs = new Dictionary<string, string> { ["max.message.bytes"] = "8388608" },
            }]);
        }
        var big = new byte[4 * 1024 * 1024];
        new Random(5).NextBytes(big);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, Acks = Acks.All, MessageMaxBytes = 8 * 1024 * 1024,
        }).Build())
        {
            var dr = await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = big });
            Assert.Equal(0, dr.Offset.Value);
        }
        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap, GroupId = "unused-big", FetchMaxBytes = 16 * 1024 * 1024, MaxPartitionFetchBytes = 1024 * 1024,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        ConsumeResult<Null, byte[]>? r = null;
        for (int i = 0; i < 40 && r?.Message is null; i++) r = consumer.Consume(TimeSpan.FromMilliseconds(500));
        Assert.NotNull(r?.Message);
        Assert.Equal(big, r!.Message.Value);
    }

    [Fact]
    public async Task Fetch_respects_response_max_bytes_across_partitions()
    {
        // librdkafka 0082: only the first partition with data may exceed fetch.max.bytes.
        const string topic = "ck-fetch-max-bytes";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
            {
                Name = topic, NumPartitions = 3, ReplicationFactor = 1,
                Configs = new Dictionary<string, string> { ["max.message.bytes"] = "2000000" },
            }]);
        }
        var value = new byte[900_000];
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = broker.Bootstrap, MessageMaxBytes = 2_000_000 }).Build())
        {
            for (int p = 0; p < 3; p++)
            {
                for (int i = 0; i < 2; i++) producer.Produce(new TopicPartition(topic, p), new Message<Null, byte[]> { Value = value });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap, GroupId = "unused-fmb", FetchMaxBytes = 1_000_000, MaxPartitionFetchBytes = 20_000_000,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        int got = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (got < 6 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: not null }) got++;
        }
        Assert.Equal(6, got);
    }
}
