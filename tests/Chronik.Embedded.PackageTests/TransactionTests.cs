using Confluent.Kafka;

namespace Chronik.Embedded.PackageTests;

/// <summary>A committed and an aborted transaction, read back with read_committed.</summary>
public sealed class TransactionTests(SharedBrokerFixture fixture)
{
    [Fact]
    public async Task Read_committed_sees_the_committed_transaction_and_never_the_aborted_one()
    {
        string topic = "txn-" + Guid.NewGuid().ToString("N");
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            TransactionalId = "tx-" + topic,
        }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            await WriteTransactionAsync(producer, topic, "committed-a", commit: true);
            await WriteTransactionAsync(producer, topic, "aborted", commit: false);
            await WriteTransactionAsync(producer, topic, "committed-b", commit: true);
        }

        List<ConsumeResult<Null, string>> read = Clients.ConsumeAll<Null, string>(fixture.BootstrapServers, topic, "g-" + topic, 20,
            IsolationLevel.ReadCommitted);
        // The aborted records sit between the two committed transactions: any of them shown would be among the first 20.
        Assert.Equal(20, read.Count);
        Assert.All(read, r => Assert.StartsWith("committed-", r.Message.Value, StringComparison.Ordinal));
        Assert.Equal(10, read.Count(r => r.Message.Value.StartsWith("committed-a", StringComparison.Ordinal)));

        List<ConsumeResult<Null, string>> all = Clients.ConsumeAll<Null, string>(fixture.BootstrapServers, topic, "u-" + topic, 30);
        Assert.Equal(10, all.Count(r => r.Message.Value.StartsWith("aborted", StringComparison.Ordinal)));
    }

    private static async Task WriteTransactionAsync(IProducer<Null, string> producer, string topic, string prefix, bool commit)
    {
        producer.BeginTransaction();
        for (int i = 0; i < 10; i++)
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"{prefix}-{i}" });
        }
        if (commit)
        {
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }
        else
        {
            producer.AbortTransaction(TimeSpan.FromSeconds(30));
        }
    }
}
