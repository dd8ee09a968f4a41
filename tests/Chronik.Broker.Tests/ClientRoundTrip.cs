using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Confluent.Kafka with the given client settings (security, bootstrap) produces values to a topic and a group consumer reads them back in order.</summary>
internal static class ClientRoundTrip
{
    public static async Task ProduceThenConsumeAsync(ClientConfig client, string topic, int count)
    {
        var pc = new ProducerConfig(new Dictionary<string, string>(client)) { Acks = Acks.All, MessageTimeoutMs = 20000 };
        using (var producer = new ProducerBuilder<Null, string>(pc).Build())
        {
            for (int i = 0; i < count; i++) await producer.ProduceAsync(topic, new Message<Null, string> { Value = "v" + i });
        }
        var cc = new ConsumerConfig(new Dictionary<string, string>(client)) { GroupId = "g-" + topic, AutoOffsetReset = AutoOffsetReset.Earliest };
        using var consumer = new ConsumerBuilder<Null, string>(cc).Build();
        consumer.Subscribe(topic);
        var got = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (got.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } r) got.Add(r.Message.Value);
        }
        consumer.Close();
        Assert.Equal(Enumerable.Range(0, count).Select(i => "v" + i), got);
    }
}
