using Confluent.Kafka;

namespace Chronik.Embedded.PackageTests;

/// <summary>Confluent.Kafka produces and consumes through the assembly's shared embedded broker.</summary>
public sealed class ProduceConsumeTests(SharedBrokerFixture fixture)
{
    [Fact]
    public async Task Records_produced_are_consumed_in_order()
    {
        string topic = "pc-" + Guid.NewGuid().ToString("N");
        const int count = 500;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers, LingerMs = 2 }).Build())
        {
            for (int i = 0; i < count; i++)
            {
                await producer.ProduceAsync(topic, new Message<string, string> { Key = "k" + i, Value = "v" + i });
            }
        }
        List<ConsumeResult<string, string>> read = Clients.ConsumeAll<string, string>(fixture.BootstrapServers, topic, "g-" + topic, count);
        Assert.Equal(count, read.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, read[i].Offset.Value);
            Assert.Equal("v" + i, read[i].Message.Value);
        }
    }

    [Fact]
    public async Task A_created_topic_has_the_partitions_asked_for()
    {
        string topic = "ct-" + Guid.NewGuid().ToString("N");
        await fixture.Broker.CreateTopicsAsync(new EmbeddedTopic(topic, 4));
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Broker.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(4, metadata.Topics.Single().Partitions.Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Broker.CreateTopicsAsync(topic));
    }
}
