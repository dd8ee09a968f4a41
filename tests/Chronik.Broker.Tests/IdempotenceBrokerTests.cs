using Chronik.Protocol.Messages;
using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Idempotent producers end to end: Confluent.Kafka with enable.idempotence, raw retries across a restart.</summary>
public class IdempotenceBrokerTests
{
    [Fact]
    public async Task An_idempotent_producer_writes_ten_thousand_records_exactly_once()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        const string topic = "idem-10k";
        const int count = 10_000;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, EnableIdempotence = true, LingerMs = 2, BatchNumMessages = 200,
        }).Build())
        {
            for (int i = 0; i < count; i++) producer.Produce(topic, new Message<Null, string> { Value = "v" + i });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }
        var seen = TxnBrokerTests.ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadUncommitted, count);
        Assert.Equal(count, seen.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => "v" + i), seen);
    }

    [Fact]
    public async Task Producer_state_survives_a_restart()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        const string topic = "idem-restart";
        broker.CreateTopic(topic);
        var init = broker.Call<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 }, 4);
        Assert.Equal(0, init.ErrorCode);
        long pid = init.ProducerId;
        Assert.Equal(0, Produce(broker, topic, IdempotenceProducerStateTests.Batch(pid, init.ProducerEpoch, 0, 5)).BaseOffset);
        Assert.Equal(5, Produce(broker, topic, IdempotenceProducerStateTests.Batch(pid, init.ProducerEpoch, 5, 5)).BaseOffset);

        await broker.StopAsync();
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(broker.DataDir, topic + "-0"), "*.snapshot")); // written at clean shutdown
        await broker.StartAgainAsync();

        // A retry of the last batch after the restart is a duplicate (known from the snapshot): same offset, nothing written.
        var dup = Produce(broker, topic, IdempotenceProducerStateTests.Batch(pid, init.ProducerEpoch, 5, 5));
        Assert.Equal(0, dup.ErrorCode);
        Assert.Equal(5, dup.BaseOffset);
        Assert.Equal((short)Chronik.Protocol.Messages.ErrorCode.OutOfOrderSequenceNumber, Produce(broker, topic, IdempotenceProducerStateTests.Batch(pid, init.ProducerEpoch, 12, 1)).ErrorCode);
        Assert.Equal(10, Produce(broker, topic, IdempotenceProducerStateTests.Batch(pid, init.ProducerEpoch, 10, 1)).BaseOffset);

        // Producer ids are never handed out twice, even across restarts.
        var again = broker.Call<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 }, 4);
        Assert.True(again.ProducerId > pid);
    }

    internal static ProduceResponse.PartitionProduceResponse Produce(TxnTestBroker broker, string topic, byte[] batch, string? transactionalId = null)
    {
        var request = new ProduceRequest
        {
            Acks = -1, TimeoutMs = 10_000, TransactionalId = transactionalId,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = batch }] }],
        };
        var response = broker.Call<ProduceResponse>(request, 9);
        return response.Responses.Single().PartitionResponses.Single();
    }
}
