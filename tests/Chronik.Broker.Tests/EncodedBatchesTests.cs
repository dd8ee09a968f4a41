using System.Text;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Confluent.Kafka;
using Xunit;
using PCompression = Chronik.Protocol.Records.CompressionType;

namespace Chronik.Broker.Tests;

/// <summary>Batches encoded by our RecordBatchBuilder with each codec pass the broker's CRC check and decode in librdkafka 2.12.</summary>
[Collection("broker")]
public class EncodedBatchesTests(BrokerFixture broker)
{
    [Theory]
    [InlineData(PCompression.None)]
    [InlineData(PCompression.Gzip)]
    [InlineData(PCompression.Snappy)]
    [InlineData(PCompression.Lz4)]
    [InlineData(PCompression.Zstd)]
    public void Our_batches_decode_in_librdkafka(PCompression codec)
    {
        string topic = "encoded-" + codec.ToString().ToLowerInvariant();
        using var raw = new RawClient(broker.Port);
        int corr = raw.Send(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = true }, 9);
        raw.Receive<MetadataResponse>(corr, 9, 1);

        using var builder = new RecordBatchBuilder(codec);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < 50; i++)
        {
            builder.Append(now + i, Encoding.UTF8.GetBytes("key-" + i), Encoding.UTF8.GetBytes($"value-{i}-" + new string('x', 100)),
                [new RecordHeader("h", Encoding.UTF8.GetBytes("hv-" + i))]);
        }
        var produce = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 10000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = builder.ToArray() }] }],
        };
        corr = raw.Send(produce, 9);
        var response = raw.Receive<ProduceResponse>(corr, 9, 1);
        Assert.Equal(0, response.Responses[0].PartitionResponses[0].ErrorCode);

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = broker.Bootstrap, GroupId = "unused-" + topic, CheckCrcs = true }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        int next = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (next < 50 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r?.Message is null) continue;
            Assert.Equal("key-" + next, r.Message.Key);
            Assert.StartsWith($"value-{next}-", r.Message.Value, StringComparison.Ordinal);
            Assert.Equal("hv-" + next, Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("h")));
            Assert.Equal(now + next, r.Message.Timestamp.UnixTimestampMs);
            next++;
        }
        Assert.Equal(50, next);
    }
}
