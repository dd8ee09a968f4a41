using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// Transactional producers end to end with Confluent.Kafka: commit, abort, read_committed and read_uncommitted. Each
/// test runs with transaction.version finalized at 1 and at 2 (issue 16): librdkafka speaks transactions v1 either way,
/// and a cluster that finalized v2 must keep serving it.
/// </summary>
public class TxnBrokerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Read_committed_sees_only_committed_records_and_read_uncommitted_sees_both(short transactionVersion)
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.FinalizeTransactionVersion(transactionVersion);
        const string topic = "txn-commit-abort";
        broker.CreateTopic(topic);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, TransactionalId = "txn-test-1", LingerMs = 1,
        }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            for (int i = 0; i < 100; i++) producer.Produce(topic, new Message<Null, string> { Value = "committed-" + i });
            producer.CommitTransaction(TimeSpan.FromSeconds(30));

            producer.BeginTransaction();
            for (int i = 0; i < 50; i++) producer.Produce(topic, new Message<Null, string> { Value = "aborted-" + i });
            producer.Flush(TimeSpan.FromSeconds(30));
            producer.AbortTransaction(TimeSpan.FromSeconds(30));

            producer.BeginTransaction();
            for (int i = 100; i < 120; i++) producer.Produce(topic, new Message<Null, string> { Value = "committed-" + i });
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }

        var committed = ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadCommitted, 120);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => "committed-" + i), committed);
        var all = ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadUncommitted, 170);
        Assert.Equal(170, all.Count);
        Assert.Equal(50, all.Count(v => v.StartsWith("aborted-", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_open_transaction_holds_back_read_committed_until_it_commits_across_a_restart(short transactionVersion)
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.FinalizeTransactionVersion(transactionVersion);
        const string topic = "txn-open";
        broker.CreateTopic(topic);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, TransactionalId = "txn-test-2", LingerMs = 1,
        }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        for (int i = 0; i < 10; i++) producer.Produce(topic, new Message<Null, string> { Value = "v" + i });
        producer.Flush(TimeSpan.FromSeconds(30));

        using (var admin = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.Bootstrap, GroupId = "wm", IsolationLevel = IsolationLevel.ReadCommitted }).Build())
        {
            var wm = admin.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
            Assert.Equal(0, wm.High.Value); // the last stable offset
        }
        Assert.Empty(ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadCommitted, 0));

        // The broker restarts with the transaction open: producer state and the coordinator survive.
        await broker.StopAsync();
        await broker.StartAgainAsync();
        Assert.Empty(ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadCommitted, 0));
        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "v" + i), ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadCommitted, 10));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Aborted_transactions_and_producer_state_come_back_from_snapshot_and_txn_index_after_a_restart(short transactionVersion)
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.FinalizeTransactionVersion(transactionVersion);
        const string topic = "txn-restart-index";
        broker.CreateTopic(topic);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, TransactionalId = "txn-restart-index", LingerMs = 1,
        }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            for (int i = 0; i < 5; i++) producer.Produce(topic, new Message<Null, string> { Value = "c" + i });
            producer.CommitTransaction(TimeSpan.FromSeconds(30));             // 0..4, marker 5
            producer.BeginTransaction();
            for (int i = 0; i < 5; i++) producer.Produce(topic, new Message<Null, string> { Value = "a" + i });
            producer.Flush(TimeSpan.FromSeconds(30));
            producer.AbortTransaction(TimeSpan.FromSeconds(30));              // 6..10, marker 11
            producer.BeginTransaction();
            for (int i = 5; i < 10; i++) producer.Produce(topic, new Message<Null, string> { Value = "c" + i });
            producer.CommitTransaction(TimeSpan.FromSeconds(30));             // 12..16, marker 17
        }
        var before = FetchCommitted(broker, topic);

        await broker.StopAsync();
        string dir = Path.Combine(broker.DataDir, topic + "-0");
        Assert.NotEmpty(Directory.EnumerateFiles(dir, "*.snapshot"));
        Assert.Equal(34, new FileInfo(Assert.Single(Directory.EnumerateFiles(dir, "*.txnindex"))).Length);
        await broker.StartAgainAsync();

        var after = FetchCommitted(broker, topic);
        Assert.Equal(18, after.HighWatermark);
        Assert.Equal(18, after.LastStableOffset);
        var aborted = Assert.Single(after.AbortedTransactions!);
        Assert.Equal(6, aborted.FirstOffset);
        Assert.Equal((before.AbortedTransactions![0].ProducerId, before.AbortedTransactions[0].FirstOffset), (aborted.ProducerId, aborted.FirstOffset));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "c" + i), ReadAll(broker.Bootstrap, topic, IsolationLevel.ReadCommitted, 10));
    }

    private static Chronik.Protocol.Messages.FetchResponse.PartitionData FetchCommitted(TxnTestBroker broker, string topic)
    {
        var request = new Chronik.Protocol.Messages.FetchRequest
        {
            MaxWaitMs = 0, MinBytes = 0, MaxBytes = 1 << 20, IsolationLevel = 1, SessionEpoch = -1,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 }] }],
        };
        var response = broker.Call<Chronik.Protocol.Messages.FetchResponse>(request, 11);
        var pd = response.Responses.Single().Partitions.Single();
        Assert.Equal(0, pd.ErrorCode);
        return pd;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Transactions_and_producers_are_described_and_listed(short transactionVersion)
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.FinalizeTransactionVersion(transactionVersion);
        const string topic = "txn-describe";
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, TransactionalId = "txn-describe-1" }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" });
            var open = broker.Call<Chronik.Protocol.Messages.DescribeTransactionsResponse>(
                new Chronik.Protocol.Messages.DescribeTransactionsRequest { TransactionalIds = ["txn-describe-1", "nope"] }, 0);
            Assert.Equal("Ongoing", open.TransactionStates[0].TransactionStateValue);
            Assert.Equal(topic, Assert.Single(open.TransactionStates[0].Topics).Topic);
            Assert.Equal((short)Chronik.Protocol.Messages.ErrorCode.TransactionalIdNotFound, open.TransactionStates[1].ErrorCode);
            var producers = broker.Call<Chronik.Protocol.Messages.DescribeProducersResponse>(new Chronik.Protocol.Messages.DescribeProducersRequest
            {
                Topics = [new() { Name = topic, PartitionIndexes = [0] }],
            }, 0);
            var active = Assert.Single(producers.Topics[0].Partitions[0].ActiveProducers);
            Assert.Equal(open.TransactionStates[0].ProducerId, active.ProducerId);
            Assert.Equal(0, active.CurrentTxnStartOffset);
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }
        var list = broker.Call<Chronik.Protocol.Messages.ListTransactionsResponse>(
            new Chronik.Protocol.Messages.ListTransactionsRequest { StateFilters = ["CompleteCommit", "Bogus"] }, 1);
        Assert.Equal("txn-describe-1", Assert.Single(list.TransactionStates).TransactionalId);
        Assert.Equal(["Bogus"], list.UnknownStateFilters);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Transactional_offsets_become_visible_only_when_the_transaction_commits(short transactionVersion)
    {
        await using var broker = await TxnTestBroker.StartAsync(o => o.GroupInitialRebalanceDelayMs = 0);
        broker.FinalizeTransactionVersion(transactionVersion);
        const string input = "eos-in", output = "eos-out", group = "eos-group";
        broker.CreateTopic(input);
        broker.CreateTopic(output);
        using (var p = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            for (int i = 0; i < 10; i++) p.Produce(input, new Message<Null, string> { Value = "in-" + i });
            p.Flush(TimeSpan.FromSeconds(10));
        }
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap, GroupId = group, EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Subscribe(input);
        var consumed = new List<ConsumeResult<Ignore, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (consumed.Count < 10 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r) consumed.Add(r);
        }
        Assert.Equal(10, consumed.Count);

        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, TransactionalId = "eos-1" }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        foreach (var r in consumed.Take(5)) producer.Produce(output, new Message<Null, string> { Value = "out-" + r.Message.Value });
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(input, 0, 5)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
        Assert.Equal((short)Chronik.Protocol.Messages.ErrorCode.UnstableOffsetCommit, FetchOffset(broker, group, input, requireStable: true).ErrorCode);
        Assert.Equal(-1, FetchOffset(broker, group, input, requireStable: false).CommittedOffset);
        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        Assert.Equal(5, FetchOffset(broker, group, input, requireStable: true).CommittedOffset);

        producer.BeginTransaction();
        producer.Produce(output, new Message<Null, string> { Value = "doomed" });
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(input, 0, 10)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
        producer.AbortTransaction(TimeSpan.FromSeconds(30));
        var after = FetchOffset(broker, group, input, requireStable: true);
        Assert.Equal(0, after.ErrorCode);
        Assert.Equal(5, after.CommittedOffset);
        Assert.Equal(5, ReadAll(broker.Bootstrap, output, IsolationLevel.ReadCommitted, 5).Count);
        consumer.Close();
    }

    private static Chronik.Protocol.Messages.OffsetFetchResponse.OffsetFetchResponsePartition FetchOffset(TxnTestBroker broker, string group, string topic, bool requireStable)
    {
        var r = broker.Call<Chronik.Protocol.Messages.OffsetFetchResponse>(new Chronik.Protocol.Messages.OffsetFetchRequest
        {
            GroupId = group, RequireStable = requireStable,
            Topics = [new() { Name = topic, PartitionIndexes = [0] }],
        }, 7);
        return r.Topics.Single().Partitions.Single();
    }

    /// <summary>Reads partition 0 of a topic from the beginning until <paramref name="expected"/> values arrived or the log is exhausted.</summary>
    internal static List<string> ReadAll(string bootstrap, string topic, IsolationLevel isolation, int expected, int partition = 0)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "reader-" + Guid.NewGuid().ToString("N"), EnableAutoCommit = false,
            IsolationLevel = isolation, EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (r.IsPartitionEOF)
            {
                if (values.Count >= expected) break;
                continue;
            }
            values.Add(r.Message.Value);
        }
        return values;
    }
}
