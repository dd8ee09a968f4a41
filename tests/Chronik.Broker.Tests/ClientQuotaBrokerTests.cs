using System.Diagnostics;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Quotas;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Chronik.Broker.Services;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>
/// Client quotas over the wire: Describe/AlterClientQuotas round trips with a raw client, throttle_time_ms and channel
/// muting, and the acceptance test: a librdkafka producer (and consumer) held to a 1 MB/s byte-rate quota.
/// Uses its own broker, since quotas are broker-wide state.
/// </summary>
public class ClientQuotaBrokerTests(BrokerFixture broker, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    private const int OneMb = 1024 * 1024;

    private T Call<T>(IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(broker.Port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private static AlterClientQuotasRequest.EntryData ClientEntry(string? clientId, string key, double value, bool remove = false) => new()
    {
        Entity = [new AlterClientQuotasRequest.EntityData { EntityType = "client-id", EntityName = clientId }],
        Ops = [new AlterClientQuotasRequest.OpData { Key = key, Value = value, Remove = remove }],
    };

    private void SetClientQuota(string clientId, string key, double value)
    {
        var r = Call<AlterClientQuotasResponse>(new AlterClientQuotasRequest { Entries = [ClientEntry(clientId, key, value)] }, 1);
        Assert.Equal(0, r.Entries[0].ErrorCode);
    }

    private DescribeClientQuotasResponse DescribeClient(string clientId, short version) =>
        Call<DescribeClientQuotasResponse>(new DescribeClientQuotasRequest
        {
            Components = [new DescribeClientQuotasRequest.ComponentData { EntityType = "client-id", MatchType = 0, Match = clientId }],
            Strict = true,
        }, version);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Alter_then_describe_round_trips(short version)
    {
        string client = "rt-" + version;
        var alter = new AlterClientQuotasRequest
        {
            Entries =
            [
                ClientEntry(client, "producer_byte_rate", 2048),
                ClientEntry("bad-" + version, "producer_byte_rate", 1.5),
                new AlterClientQuotasRequest.EntryData
                {
                    Entity = [new AlterClientQuotasRequest.EntityData { EntityType = "user", EntityName = "u" + version }, new AlterClientQuotasRequest.EntityData { EntityType = "client-id", EntityName = null }],
                    Ops = [new AlterClientQuotasRequest.OpData { Key = "request_percentage", Value = 25.5 }],
                },
            ],
        };
        var r = Call<AlterClientQuotasResponse>(alter, version);
        Assert.Equal(3, r.Entries.Count);
        Assert.Equal(0, r.Entries[0].ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, r.Entries[1].ErrorCode);
        Assert.Equal("producer_byte_rate cannot be a fractional value.", r.Entries[1].ErrorMessage);
        Assert.Equal(0, r.Entries[2].ErrorCode);
        Assert.Equal("client-id", r.Entries[0].Entity[0].EntityType);
        Assert.Equal(client, r.Entries[0].Entity[0].EntityName);

        var d = DescribeClient(client, version);
        Assert.Equal(0, d.ErrorCode);
        var entry = Assert.Single(d.Entries!);
        Assert.Equal(("producer_byte_rate", 2048.0), (entry.Values[0].Key, entry.Values[0].Value));

        var byUser = Call<DescribeClientQuotasResponse>(new DescribeClientQuotasRequest
        {
            Components =
            [
                new DescribeClientQuotasRequest.ComponentData { EntityType = "user", MatchType = 0, Match = "u" + version },
                new DescribeClientQuotasRequest.ComponentData { EntityType = "client-id", MatchType = 1, Match = null },
            ],
        }, version);
        var ue = Assert.Single(byUser.Entries!);
        Assert.Null(ue.Entity.Single(e => e.EntityType == "client-id").EntityName);
        Assert.Equal(25.5, ue.Values.Single().Value);

        // validate_only leaves it alone; remove deletes it.
        r = Call<AlterClientQuotasResponse>(new AlterClientQuotasRequest { Entries = [ClientEntry(client, "producer_byte_rate", 0, remove: true)], ValidateOnly = true }, version);
        Assert.Equal(0, r.Entries[0].ErrorCode);
        Assert.Single(DescribeClient(client, version).Entries!);
        Call<AlterClientQuotasResponse>(new AlterClientQuotasRequest { Entries = [ClientEntry(client, "producer_byte_rate", 0, remove: true)] }, version);
        Assert.Empty(DescribeClient(client, version).Entries!);

        var bad = Call<DescribeClientQuotasResponse>(new DescribeClientQuotasRequest
        {
            Components = [new DescribeClientQuotasRequest.ComponentData { EntityType = "user", MatchType = 0, Match = null }],
        }, version);
        Assert.Equal((short)KafkaError.InvalidRequest, bad.ErrorCode);
        Assert.Null(bad.Entries);
    }

    [Fact]
    public void Quotas_are_persisted_in_the_data_directory()
    {
        SetClientQuota("persisted", "consumer_byte_rate", 4096);
        // The running broker owns its metadata log: read a copy of it, as a restarted broker would.
        string copy = Path.Combine(Path.GetTempPath(), "chronik-quota-copy-" + Guid.NewGuid().ToString("N"));
        try
        {
            UpgradeFixtureWriter.Copy(Path.Combine(broker.DataDir, LocalMetadataStore.DirectoryName), Path.Combine(copy, LocalMetadataStore.DirectoryName));
            using var store = LocalMetadataStore.Open(copy);
            var reopened = new ClientQuotaStore(store);
            Assert.Equal(4096, reopened.Snapshot.Resolve(QuotaKeys.ConsumerByteRate, "ANONYMOUS", "persisted").Bound);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void A_throttled_produce_carries_throttle_time_and_mutes_the_connection()
    {
        const string client = "raw-throttled";
        const string topic = "quota-raw";
        SetClientQuota(client, "producer_byte_rate", 10_000);
        using var raw = new RawClient(broker.Port);
        int corr = raw.Send(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = true }, 9, client);
        raw.Receive<MetadataResponse>(corr, 9, 1);

        using var builder = new RecordBatchBuilder();
        builder.Append(0, ReadOnlySpan<byte>.Empty, new byte[110_000]);
        var produce = new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 10000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = builder.ToArray() }] }],
        };
        corr = raw.Send(produce, 9, client);
        var response = raw.Receive<ProduceResponse>(corr, 9, 1);
        Assert.Equal(0, response.Responses[0].PartitionResponses[0].ErrorCode);
        // ~110 KB over the assumed 10 s window is ~11 KB/s against 10 KB/s: about one second of throttle.
        Assert.InRange(response.ThrottleTimeMs, 800, 1300);

        var sw = Stopwatch.StartNew();
        corr = raw.Send(new ApiVersionsRequest(), 0, client);
        raw.Receive<ApiVersionsResponse>(corr, 0, 0);
        Assert.True(sw.ElapsedMilliseconds >= response.ThrottleTimeMs - 100, $"answered after {sw.ElapsedMilliseconds} ms, throttle {response.ThrottleTimeMs} ms");

        // Another client id is not throttled.
        corr = raw.Send(produce, 9, "raw-free");
        Assert.Equal(0, raw.Receive<ProduceResponse>(corr, 9, 1).ThrottleTimeMs);
    }

    [Fact]
    public void A_request_percentage_quota_throttles_a_busy_client_and_mutes_its_connection()
    {
        const string client = "raw-request-rate";
        // 0.001 % of one thread: 0.1 ms of handling over the 10 s the rate is first measured over.
        SetClientQuota(client, "request_percentage", 0.001);
        using var raw = new RawClient(broker.Port);
        MetadataResponse? throttled = null;
        for (int i = 0; i < 2000 && throttled is null; i++)
        {
            int corr = raw.Send(new MetadataRequest { Topics = [] }, 12, client);
            var r = raw.Receive<MetadataResponse>(corr, 12, 1);
            if (r.ThrottleTimeMs > 0) throttled = r;
        }
        Assert.NotNull(throttled);
        // Kafka bounds a request-quota throttle by one quota window (1 s).
        Assert.InRange(throttled.ThrottleTimeMs, 1, 1000);

        var sw = Stopwatch.StartNew();
        int next = raw.Send(new MetadataRequest { Topics = [] }, 12, client);
        raw.Receive<MetadataResponse>(next, 12, 1);
        Assert.True(sw.ElapsedMilliseconds >= throttled.ThrottleTimeMs - 100, $"answered after {sw.ElapsedMilliseconds} ms, throttle {throttled.ThrottleTimeMs} ms");

        // Another client id on a new connection is not throttled.
        using var other = new RawClient(broker.Port);
        int free = other.Send(new MetadataRequest { Topics = [] }, 12, "raw-request-free");
        Assert.Equal(0, other.Receive<MetadataResponse>(free, 12, 1).ThrottleTimeMs);
    }

    private async Task CreateTopic(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
    }

    [Fact]
    public async Task A_producer_with_a_1_MB_per_s_quota_is_held_within_10_percent_of_it()
    {
        string client = "quota-producer-" + Guid.NewGuid().ToString("N")[..6];
        string topic = "quota-produce";
        await CreateTopic(topic);
        SetClientQuota(client, "producer_byte_rate", OneMb);

        long delivered = 0;
        var value = new byte[8192];
        Random.Shared.NextBytes(value);
        var config = new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap,
            ClientId = client,
            Acks = Acks.Leader,
            LingerMs = 2,
            BatchSize = 64 * 1024,
            QueueBufferingMaxKbytes = 8 * 1024,
            MessageTimeoutMs = 30_000,
        };
        var duration = TimeSpan.FromSeconds(11);
        Stopwatch sw;
        using (var producer = new ProducerBuilder<Null, byte[]>(config).Build())
        {
            sw = Stopwatch.StartNew();
            while (sw.Elapsed < duration)
            {
                try
                {
                    producer.Produce(topic, new Message<Null, byte[]> { Value = value }, r =>
                    {
                        if (r.Error.Code == Confluent.Kafka.ErrorCode.NoError && sw.Elapsed < duration) Interlocked.Add(ref delivered, r.Message.Value.Length);
                    });
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
            producer.Poll(TimeSpan.FromMilliseconds(100));
        }
        double rate = delivered / duration.TotalSeconds;
        output.WriteLine($"producer: {delivered} bytes delivered in {duration.TotalSeconds} s = {rate / OneMb:F3} MB/s (quota 1 MB/s)");
        Assert.InRange(rate, OneMb * 0.9, OneMb * 1.1);
    }

    [Fact]
    public async Task A_consumer_with_a_1_MB_per_s_quota_is_held_within_10_percent_of_it()
    {
        string client = "quota-consumer-" + Guid.NewGuid().ToString("N")[..6];
        string topic = "quota-consume";
        await CreateTopic(topic);
        var value = new byte[8192];
        Random.Shared.NextBytes(value);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = broker.Bootstrap, LingerMs = 5 }).Build())
        {
            for (int i = 0; i < 16 * OneMb / value.Length; i++)
            {
                try { producer.Produce(topic, new Message<Null, byte[]> { Value = value }); }
                catch (ProduceException<Null, byte[]>) { producer.Poll(TimeSpan.FromMilliseconds(10)); i--; }
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        SetClientQuota(client, "consumer_byte_rate", OneMb);

        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            ClientId = client,
            GroupId = "unused-" + client,
            EnableAutoCommit = false,
            MaxPartitionFetchBytes = 64 * 1024,
            FetchMaxBytes = 1024 * 1024,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        long consumed = 0;
        var duration = TimeSpan.FromSeconds(11);
        // Timed from the first record, so the consumer's start-up (metadata, offsets) is not counted.
        Stopwatch? sw = null;
        var giveUp = Stopwatch.StartNew();
        while ((sw?.Elapsed ?? TimeSpan.Zero) < duration && giveUp.Elapsed < TimeSpan.FromSeconds(20))
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r?.Message?.Value is not { } v) continue;
            sw ??= Stopwatch.StartNew();
            if (sw.Elapsed < duration) consumed += v.Length;
        }
        double rate = consumed / duration.TotalSeconds;
        output.WriteLine($"consumer: {consumed} bytes consumed in {duration.TotalSeconds} s = {rate / OneMb:F3} MB/s (quota 1 MB/s)");
        Assert.InRange(rate, OneMb * 0.9, OneMb * 1.1);
    }

    [Fact]
    public async Task A_user_quota_applies_to_the_SASL_principal()
    {
        var sasl = new BrokerFixture { ConfigureOptions = o => { o.Security.Protocol = Security.SecurityProtocol.SaslPlaintext; o.Security.PlainUsers["alice"] = "alice-secret"; } };
        await sasl.InitializeAsync();
        try
        {
            var quotas = sasl.Services.GetRequiredService<ClientQuotas>();
            var alter = new AlterClientQuotasRequest
            {
                Entries =
                [
                    new AlterClientQuotasRequest.EntryData
                    {
                        Entity = [new AlterClientQuotasRequest.EntityData { EntityType = "user", EntityName = "alice" }],
                        Ops = [new AlterClientQuotasRequest.OpData { Key = "producer_byte_rate", Value = 50_000 }],
                    },
                ],
            };
            Assert.Equal(0, quotas.Store.Alter(alter).Entries[0].ErrorCode);
            var config = new ProducerConfig
            {
                BootstrapServers = sasl.Bootstrap,
                SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext,
                SaslMechanism = SaslMechanism.Plain,
                SaslUsername = "alice",
                SaslPassword = "alice-secret",
                ClientId = "any-client",
                MessageTimeoutMs = 30_000,
            };
            using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
            // 600 KB over the assumed 10 s window is 60 KB/s against 50 KB/s: about 2 s of throttle for alice.
            await producer.ProduceAsync("quota-sasl", new Message<Null, byte[]> { Value = new byte[600_000] });
            var sw = Stopwatch.StartNew();
            await producer.ProduceAsync("quota-sasl", new Message<Null, byte[]> { Value = new byte[10] });
            Assert.True(sw.ElapsedMilliseconds >= 1500, $"second produce took {sw.ElapsedMilliseconds} ms");
            Assert.NotNull(quotas.Produce.RateOf("alice", "", quotas.NowMs()));
            Assert.Null(quotas.Produce.RateOf("ANONYMOUS", "", quotas.NowMs()));
        }
        finally
        {
            await sasl.DisposeAsync();
        }
    }
}
