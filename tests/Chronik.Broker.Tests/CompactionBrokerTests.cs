using Chronik.Broker.Services;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>A Kafka Streams-style changelog on a compacted topic, with Confluent.Kafka, cleaned by the log cleaner.</summary>
[Collection("broker")]
public class CompactionBrokerTests(BrokerFixture broker)
{
    private async Task CreateCompactedTopic(string topic, Dictionary<string, string> extra)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var configs = new Dictionary<string, string>(extra) { ["cleanup.policy"] = "compact" };
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = configs }]);
    }

    private long LogBytesOnDisk(string topic) =>
        Directory.EnumerateFiles(Path.Combine(broker.DataDir, topic + "-0"), "*.log").Sum(f => new FileInfo(f).Length);

    [Fact]
    public async Task Changelog_after_cleaning_holds_exactly_the_latest_value_of_each_live_key()
    {
        const string topic = "compaction-changelog";
        await CreateCompactedTopic(topic, new() { ["segment.bytes"] = "65536", ["delete.retention.ms"] = "500" });

        var expected = new Dictionary<string, string>();
        using (var producer = new ProducerBuilder<string, string?>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap,
            Acks = Acks.All,
            LingerMs = 5,
            BatchSize = 16_384,
            QueueBufferingMaxMessages = 1_000_000,
        }).Build())
        {
            void Send(string key, string? value)
            {
                producer.Produce(topic, new Message<string, string?> { Key = key, Value = value });
                if (value is null) expected.Remove(key);
                else expected[key] = value;
            }
            // 200,000 keyed updates over 1,000 keys; the tombstones for key-0..key-99 come before the last
            // 5,000 updates (of the other keys), so they are sealed in segments below the active one.
            for (int i = 0; i < 195_000; i++) Send($"key-{i % 1000}", $"value-{i}");
            for (int k = 0; k < 100; k++) Send($"key-{k}", null);
            for (int i = 195_000; i < 200_000; i++) Send($"key-{100 + i % 900}", $"value-{i}");
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal(900, expected.Count);

        long before = LogBytesOnDisk(topic);
        await Task.Delay(600); // let delete.retention.ms pass so the tombstones go in this clean
        var cleaner = broker.Services.GetRequiredService<LogCleanerService>();
        Assert.True(cleaner.RunOnce(DateTimeOffset.UtcNow) >= 1);
        long after = LogBytesOnDisk(topic);
        Assert.True(after < before / 4, $"log on disk {before} -> {after} bytes");

        var seen = new Dictionary<string, (long Offset, string? Value)>();
        int read = 0;
        using (var consumer = new ConsumerBuilder<string, string?>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "unused-" + topic,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build())
        {
            consumer.Assign(new TopicPartitionOffset(topic, 0, 0));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (r is null) continue;
                if (r.IsPartitionEOF) break;
                // A changelog restore applies records in order, the last one winning. A key may repeat only
                // because of the active segment, which the cleaner never touches (the tail of the last updates).
                if (seen.TryGetValue(r.Message.Key, out var earlier)) Assert.True(r.Offset.Value >= 195_100, $"{r.Message.Key} at {earlier.Offset} and {r.Offset.Value}");
                seen[r.Message.Key] = (r.Offset.Value, r.Message.Value);
                read++;
            }
        }
        var live = seen.Where(kv => kv.Value.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value.Value!);
        Assert.Equal(expected.OrderBy(kv => kv.Key), live.OrderBy(kv => kv.Key));
        // Tombstones may remain only for deleted keys (here delete.retention.ms has passed, so none should).
        Assert.All(seen.Where(kv => kv.Value.Value is null), kv => Assert.False(expected.ContainsKey(kv.Key)));
        Assert.DoesNotContain(seen, kv => kv.Value.Value is null);
        Assert.True(read < 900 + 5_000, $"{read} records read");
    }

    [Fact]
    public async Task Keyless_record_on_a_compacted_topic_is_rejected_with_invalid_record()
    {
        const string topic = "compaction-keyless";
        await CreateCompactedTopic(topic, []);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, Acks = Acks.All }).Build();
        var e = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(topic, new Message<Null, string> { Value = "no key" }));
        Assert.Equal(ErrorCode.InvalidRecord, e.Error.Code);
    }
}
