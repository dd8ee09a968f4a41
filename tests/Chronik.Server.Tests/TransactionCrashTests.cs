using Confluent.Kafka;
using static Chronik.Server.Tests.CrashServer;

namespace Chronik.Server.Tests;

/// <summary>
/// Transactions across a SIGKILL, seen only as a client sees them (Confluent.Kafka): a transactional producer commits
/// and aborts a run of transactions, leaves one open with its records written, and the server is killed while the
/// producer commits the last one. After a restart a producer with the same transactional.id initializes again (which
/// ends whatever the crash left open) and commits; a read_committed consumer then sees every record of each committed
/// transaction, none of an aborted or open one, and the one being committed at the kill whole or not at all.
/// </summary>
public sealed class TransactionCrashTests : IDisposable
{
    private const string Topic = "txn-crash";
    private const int Partitions = 3, PerTxn = 6, Completed = 8;
    private readonly CrashServer _server = new();

    public TransactionCrashTests() => Chronik.Tests.NativeKafka.EnsureResolver();

    public void Dispose() => _server.Dispose();

    private IProducer<string, string> Producer(string id) => new ProducerBuilder<string, string>(new ProducerConfig
    {
        BootstrapServers = _server.Bootstrap, TransactionalId = id, LingerMs = 1, MessageTimeoutMs = 10_000,
        SocketTimeoutMs = 5_000, ReconnectBackoffMaxMs = 200, RetryBackoffMaxMs = 200,
    }).SetLogHandler((_, _) => { }).Build();

    // Transaction t writes PerTxn records "t:j", spread over the partitions.
    private static async Task WriteAsync(IProducer<string, string> p, int t)
    {
        var sends = Enumerable.Range(0, PerTxn).Select(j =>
            p.ProduceAsync(new TopicPartition(Topic, j % Partitions), new Message<string, string> { Key = $"{t}", Value = $"{t}:{j}" }));
        await Task.WhenAll(sends);
    }

    private List<string> ReadCommitted(int atLeast)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _server.Bootstrap, GroupId = "txn-crash-reader", IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true, EnableAutoCommit = false, FetchWaitMaxMs = 50,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var values = new List<string>();
        var eof = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // Bounded: until every partition reached its end with at least the records expected, or 30 s.
        while (DateTime.UtcNow < deadline && (eof.Count < Partitions || values.Count < atLeast))
        {
            var m = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (m is null) continue;
            if (m.IsPartitionEOF)
            {
                eof.Add(m.Partition.Value);
                continue;
            }
            eof.Remove(m.Partition.Value);
            values.Add(m.Message.Value);
        }
        return values;
    }

    [Fact]
    public async Task Each_transaction_is_wholly_committed_or_wholly_aborted_after_a_sigkill_during_a_commit()
    {
        _server.Start();
        using (var c = await _server.ConnectAsync())
        {
            var r = Call<Chronik.Protocol.Messages.CreateTopicsResponse>(c, new Chronik.Protocol.Messages.CreateTopicsRequest
            {
                Topics = [new() { Name = Topic, NumPartitions = Partitions, ReplicationFactor = 1 }], TimeoutMs = 10_000,
            }, 5);
            Assert.Equal(0, r.Topics[0].ErrorCode);
        }
        var committed = new List<int>();
        int racing = Completed;
        using (var p = Producer("txn-crash-1"))
        {
            p.InitTransactions(TimeSpan.FromSeconds(30));
            for (int t = 0; t < Completed; t++)
            {
                p.BeginTransaction();
                await WriteAsync(p, t);
                if (t % 3 == 2)
                {
                    p.AbortTransaction(TimeSpan.FromSeconds(30));
                }
                else
                {
                    p.CommitTransaction(TimeSpan.FromSeconds(30));
                    committed.Add(t);
                }
            }
            // The last transaction's records are all written; the kill comes while its commit is under way.
            p.BeginTransaction();
            await WriteAsync(p, racing);
            var commit = Task.Run(() =>
            {
                try { p.CommitTransaction(TimeSpan.FromSeconds(5)); }
                catch (KafkaException) { }
            });
            _server.Process!.KillHard();
            await commit;
        }

        _server.Start();
        using (var again = Producer("txn-crash-1"))
        {
            // InitTransactions after the restart: the coordinator completes or aborts what the crash left open first.
            again.InitTransactions(TimeSpan.FromSeconds(30));
            again.BeginTransaction();
            await WriteAsync(again, 100);
            again.CommitTransaction(TimeSpan.FromSeconds(30));
        }
        committed.Add(100);

        var seen = ReadCommitted((committed.Count) * PerTxn);
        var byTxn = seen.GroupBy(v => int.Parse(v[..v.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToList());
        foreach (int t in committed)
        {
            Assert.True(byTxn.ContainsKey(t), $"committed transaction {t} is missing");
            Assert.Equal(Enumerable.Range(0, PerTxn).Select(j => $"{t}:{j}").Order(StringComparer.Ordinal), byTxn[t]);
        }
        for (int t = 0; t < Completed; t++)
        {
            if (t % 3 == 2) Assert.False(byTxn.ContainsKey(t), $"aborted transaction {t} was read");
        }
        if (byTxn.TryGetValue(racing, out var last)) Assert.Equal(PerTxn, last.Count);
        Assert.Equal(committed.Count + (byTxn.ContainsKey(racing) ? 1 : 0), byTxn.Count);
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        var (code, _, stderr) = await _server.StopAsync();
        Assert.True(code == 0, stderr);
    }
}
