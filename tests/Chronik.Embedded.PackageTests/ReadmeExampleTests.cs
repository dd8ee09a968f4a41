using Confluent.Kafka;

namespace Chronik.Embedded.PackageTests;

/// <summary>The README's class-fixture example, as written there, so the documentation stays true.</summary>
public sealed class KafkaFixture : IAsyncLifetime
{
    public EmbeddedBroker Broker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        Broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { DefaultPartitions = 3 });
    }

    public ValueTask DisposeAsync() => Broker.DisposeAsync();
}

/// <summary>One broker for this class; the test is the README's.</summary>
public sealed class OrderEventsTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    [Fact]
    public async Task An_order_event_is_published()
    {
        using var producer = new ProducerBuilder<string, string>(
            new ProducerConfig { BootstrapServers = kafka.Broker.BootstrapServers }).Build();
        var result = await producer.ProduceAsync("orders", new Message<string, string> { Key = "42", Value = "created" });
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.Broker.BootstrapServers }).Build();
        Assert.Equal(3, admin.GetMetadata("orders", TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
    }
}
