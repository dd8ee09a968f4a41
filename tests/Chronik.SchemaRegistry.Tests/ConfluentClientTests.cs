using Avro;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry.Serdes;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>Confluent's own .NET clients (Confluent.SchemaRegistry, Serdes.Avro and Serdes.Json 2.16.0) produce and consume through the registry and the broker.</summary>
public sealed class ConfluentClientTests : IAsyncLifetime
{
    private const string UserV1 = """{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}""";
    private const string UserV2 = """{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"},{"name":"email","type":"string","default":""}]}""";
    private const string UserBad = """{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"},{"name":"phone","type":"string"}]}""";
    private const string OrderJson = """{"$schema":"http://json-schema.org/draft-07/schema#","title":"Order","type":"object","properties":{"Id":{"type":"integer"},"Item":{"type":"string"}},"additionalProperties":false}""";

    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        _server = await RegistryServer.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A JSON Schema record for the Serdes.Json round trip.</summary>
    public sealed class Order
    {
        public int Id { get; set; }
        public string Item { get; set; } = "";
    }

    [Fact]
    public async Task Avro_records_round_trip_and_an_incompatible_change_is_refused()
    {
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _server.Url });
        const string topic = "users";
        var v1 = (RecordSchema)Avro.Schema.Parse(UserV1);
        var v2 = (RecordSchema)Avro.Schema.Parse(UserV2);
        using (var producer = new ProducerBuilder<string, GenericRecord>(new ProducerConfig { BootstrapServers = _server.Bootstrap })
            .SetValueSerializer(new AvroSerializer<GenericRecord>(registry)).Build())
        {
            var alice = new GenericRecord(v1);
            alice.Add("name", "alice");
            alice.Add("age", 30);
            await producer.ProduceAsync(topic, new Message<string, GenericRecord> { Key = "a", Value = alice });
            var bob = new GenericRecord(v2);
            bob.Add("name", "bob");
            bob.Add("age", 40);
            bob.Add("email", "bob@example.com");
            await producer.ProduceAsync(topic, new Message<string, GenericRecord> { Key = "b", Value = bob });

            var carol = new GenericRecord((RecordSchema)Avro.Schema.Parse(UserBad));
            carol.Add("name", "carol");
            carol.Add("age", 50);
            carol.Add("phone", "555");
            var refused = await Assert.ThrowsAsync<ProduceException<string, GenericRecord>>(
                () => producer.ProduceAsync(topic, new Message<string, GenericRecord> { Key = "c", Value = carol }));
            var cause = Assert.IsType<SchemaRegistryException>(refused.InnerException);
            Assert.Equal(409, cause.ErrorCode);
        }

        Assert.Equal([1, 2], await registry.GetSubjectVersionsAsync("users-value"));
        var sre = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => registry.RegisterSchemaAsync("users-value", new Confluent.SchemaRegistry.Schema(UserBad, SchemaType.Avro)));
        Assert.Equal(409, sre.ErrorCode);
        Assert.False(await registry.IsCompatibleAsync("users-value", new Confluent.SchemaRegistry.Schema(UserBad, SchemaType.Avro)));

        using var consumer = new ConsumerBuilder<string, GenericRecord>(new ConsumerConfig
        {
            BootstrapServers = _server.Bootstrap,
            GroupId = "avro-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new AvroDeserializer<GenericRecord>(registry).AsSyncOverAsync()).Build();
        consumer.Subscribe(topic);
        var names = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (names.Count < 2 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromSeconds(1));
            if (r?.Message is null) continue;
            names.Add((string)r.Message.Value["name"]);
            if (names.Count == 2) Assert.Equal("bob@example.com", (string)r.Message.Value["email"]);
        }
        consumer.Close();
        Assert.Equal(["alice", "bob"], names);
    }

    [Fact]
    public async Task Json_schema_records_round_trip_and_an_incompatible_change_is_refused()
    {
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _server.Url });
        const string topic = "orders";
        var schema = new Confluent.SchemaRegistry.Schema(OrderJson, SchemaType.Json);
        using (var producer = new ProducerBuilder<string, Order>(new ProducerConfig { BootstrapServers = _server.Bootstrap })
            .SetValueSerializer(new JsonSerializer<Order>(registry, schema)).Build())
        {
            await producer.ProduceAsync(topic, new Message<string, Order> { Key = "1", Value = new Order { Id = 1, Item = "book" } });
            await producer.ProduceAsync(topic, new Message<string, Order> { Key = "2", Value = new Order { Id = 2, Item = "pen" } });
        }
        var registered = await registry.GetLatestSchemaAsync("orders-value");
        Assert.Equal(SchemaType.Json, registered.SchemaType);

        // Removing a property from a closed content model breaks readers of the old data (BACKWARD).
        string narrowed = """{"$schema":"http://json-schema.org/draft-07/schema#","title":"Order","type":"object","properties":{"Id":{"type":"integer"}},"additionalProperties":false}""";
        var sre = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => registry.RegisterSchemaAsync("orders-value", new Confluent.SchemaRegistry.Schema(narrowed, SchemaType.Json)));
        Assert.Equal(409, sre.ErrorCode);

        using var consumer = new ConsumerBuilder<string, Order>(new ConsumerConfig
        {
            BootstrapServers = _server.Bootstrap,
            GroupId = "json-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new JsonDeserializer<Order>(registry).AsSyncOverAsync()).Build();
        consumer.Subscribe(topic);
        var items = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (items.Count < 2 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromSeconds(1));
            if (r?.Message is null) continue;
            items.Add(r.Message.Value.Item);
        }
        consumer.Close();
        Assert.Equal(["book", "pen"], items);
    }
}
