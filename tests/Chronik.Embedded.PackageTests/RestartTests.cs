using Confluent.Kafka;

namespace Chronik.Embedded.PackageTests;

/// <summary>A broker on a data directory keeps records and a group's committed offsets across <see cref="EmbeddedBroker.RestartAsync"/>.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("chronik-embedded-").FullName;
    private EmbeddedBroker _broker = null!;

    public async ValueTask InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            DataDirectory = _dataDir,
            Properties = new Dictionary<string, string> { ["group.initial.rebalance.delay.ms"] = "0" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_consumer_group_resumes_from_its_committed_offset_after_a_restart()
    {
        const string topic = "restart-topic", group = "restart-group";
        await ProduceAsync(topic, 0, 100);
        List<ConsumeResult<Null, string>> first = Clients.ConsumeAll<Null, string>(_broker.BootstrapServers, topic, group, 40, commit: true);
        Assert.Equal(40, first.Count);

        int port = _broker.Port;
        await _broker.RestartAsync();
        Assert.Equal(port, _broker.Port);
        await ProduceAsync(topic, 100, 20);

        List<ConsumeResult<Null, string>> rest = Clients.ConsumeAll<Null, string>(_broker.BootstrapServers, topic, group, 80);
        Assert.Equal(80, rest.Count);
        Assert.Equal(40, rest[0].Offset.Value);
        Assert.Equal(Enumerable.Range(40, 80).Select(i => "v" + i), rest.Select(r => r.Message.Value));
    }

    private async Task ProduceAsync(string topic, int from, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, EnableIdempotence = true }).Build();
        for (int i = from; i < from + count; i++)
        {
            DeliveryResult<Null, string> r = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "v" + i });
            Assert.Equal(PersistenceStatus.Persisted, r.Status);
        }
    }
}
