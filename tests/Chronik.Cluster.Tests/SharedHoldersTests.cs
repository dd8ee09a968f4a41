using System.Collections.Concurrent;
using System.Diagnostics;
using Chronik.Cluster.Metadata;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Quotas;
using Chronik.Coordination.Security;
using Chronik.Coordination.Topics;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using Chronik.Storage.Memory;
using Xunit.Abstractions;

namespace Chronik.Cluster.Tests;

/// <summary>
/// Brokers sharing one PostgreSQL metadata store, each with the state holders the broker composes
/// (BrokerHostingExtensions' order), writing the same things at the same time: no deadlock, the log order decides
/// every conflict the same way on every broker, and all of them end with identical state.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedHoldersTests(PostgresFixture pg, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly string _db = pg.NewDatabase();
    private readonly List<Broker> _brokers = [];

    /// <summary>One broker's store and holders.</summary>
    private sealed class Broker : IDisposable
    {
        public Broker(string db, int nodeId)
        {
            Store = PostgresMetadataStore.Open(db);
            Logs = new MemoryLogStore();
            Topics = new TopicManager(Logs, new TopicDefaults(), Store, null, nodeId);
            Acls = new AclStore(Store);
            BrokerConfigs = new ConfigResourceTable(Store, 4);
            GroupConfigs = new ConfigResourceTable(Store, 32);
            Features = new FinalizedFeatures(Store, null, nodeId);
            Scram = new ScramCredentialStore(Store);
            Quotas = new ClientQuotaStore(Store);
            ProducerIds = new ProducerIdManager(Store, null, nodeId);
            Transactions = new TransactionStateLog(Store, _ => { });
        }

        public PostgresMetadataStore Store { get; }
        public MemoryLogStore Logs { get; }
        public TopicManager Topics { get; }
        public AclStore Acls { get; }
        public ConfigResourceTable BrokerConfigs { get; }
        public ConfigResourceTable GroupConfigs { get; }
        public FinalizedFeatures Features { get; }
        public ScramCredentialStore Scram { get; }
        public ClientQuotaStore Quotas { get; }
        public ProducerIdManager ProducerIds { get; }
        public TransactionStateLog Transactions { get; }

        public void Dispose() => Store.Dispose();
    }

    private Broker[] Start(int count)
    {
        var started = Enumerable.Range(1, count).Select(n => new Broker(_db, n)).ToArray();
        _brokers.AddRange(started);
        return started;
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> threads at once and fails if they do not all end within the bound (a deadlock).</summary>
    private void RunAtOnce(int threads, Action<int> work)
    {
        using var go = new Barrier(threads);
        Exception? failure = null;
        var running = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                go.SignalAndWait();
                work(t);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
        }) { IsBackground = true }).ToList();
        var sw = Stopwatch.StartNew();
        running.ForEach(t => t.Start());
        foreach (var t in running)
        {
            var left = Bound - sw.Elapsed;
            Assert.True(t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero), $"a writer did not finish within {Bound.TotalSeconds} s: deadlocked");
        }
        output.WriteLine($"{threads} writers done in {sw.ElapsedMilliseconds} ms");
        if (failure is not null) throw new Xunit.Sdk.XunitException("a writer failed: " + failure);
    }

    /// <summary>Waits until every broker has applied what any of them appended (NextOffset is the end applied).</summary>
    private static void CaughtUp(Broker[] brokers)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            long end = brokers.Max(b => b.Store.NextOffset);
            if (brokers.All(b => b.Store.NextOffset == end)) return;
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "the brokers did not catch up within 10 s");
            Thread.Sleep(10);
        }
    }

    private static string Describe(TopicManager topics) => string.Join("\n", topics.Topics.Select(t =>
        $"{t.Name} {t.Id} {t.PartitionCount} {string.Join(",", t.Configs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value))}"));

    [Fact]
    public void Three_brokers_creating_the_same_topics_at_once_get_one_success_per_name_and_identical_topics()
    {
        var brokers = Start(3);
        const int Names = 60;
        var results = new ConcurrentBag<(string Name, int Broker, TopicResult Result)>();
        // Two threads per broker, each going through every name in its own order; broker b asks for b + 1
        // partitions and its own retention, so the winner's records are the ones that must stick.
        RunAtOnce(6, t =>
        {
            int b = t % 3;
            var order = Enumerable.Range(0, Names).OrderBy(i => (i * (t + 7)) % Names).ToList();
            foreach (int i in order)
            {
                string name = "topic-" + i;
                var r = brokers[b].Topics.Create(name, b + 1, 1, new Dictionary<string, string?> { ["retention.ms"] = (1000 * (b + 1)).ToString() }, validateOnly: false);
                results.Add((name, b, r));
            }
        });
        foreach (var byName in results.GroupBy(r => r.Name))
        {
            var wins = byName.Where(r => r.Result.Error == ErrorCode.None).ToList();
            Assert.Single(wins);
            Assert.All(byName.Except(wins), r => Assert.Equal(ErrorCode.TopicAlreadyExists, r.Result.Error));
            var winner = wins[0];
            Assert.Equal(winner.Broker + 1, winner.Result.Topic!.PartitionCount);
            CaughtUp(brokers);
            foreach (var broker in brokers)
            {
                var topic = broker.Topics.Get(byName.Key)!;
                Assert.Equal((winner.Result.Topic.Id, winner.Broker + 1, (1000 * (winner.Broker + 1)).ToString()), (topic.Id, topic.PartitionCount, topic.Configs["retention.ms"]));
                // The partition logs are the winner's, and only those.
                Assert.NotNull(broker.Logs.Get(byName.Key, winner.Broker));
                Assert.Null(broker.Logs.Get(byName.Key, winner.Broker + 1));
            }
        }
        CaughtUp(brokers);
        Assert.Equal(Names, brokers[0].Topics.Topics.Count);
        Assert.All(brokers, b => Assert.Equal(Describe(brokers[0].Topics), Describe(b.Topics)));
        Assert.All(brokers, b => Assert.Equal(brokers[0].Topics.PartitionCount, b.Topics.PartitionCount));
        // A broker started afterwards replays the same topics.
        Assert.Equal(Describe(brokers[0].Topics), Describe(Start(1)[0].Topics));
    }

    [Fact]
    public void Creating_deleting_and_growing_topics_from_two_brokers_at_once_ends_identical_without_deadlock()
    {
        var brokers = Start(2);
        RunAtOnce(4, t =>
        {
            var mine = brokers[t % 2].Topics;
            for (int i = 0; i < 40; i++)
            {
                string name = "churn-" + (i % 10);
                switch ((i + t) % 3)
                {
                    case 0: mine.Create(name, 2, 1, null, validateOnly: false); break;
                    case 1: mine.CreatePartitions(name, 3 + t, validateOnly: false); break;
                    default: mine.Delete(name); break;
                }
            }
        });
        CaughtUp(brokers);
        Assert.Equal(Describe(brokers[0].Topics), Describe(brokers[1].Topics));
        Assert.Equal(brokers[0].Topics.Topics.Sum(t => (long)t.PartitionCount), brokers[1].Topics.PartitionCount);
        Assert.Equal(Describe(brokers[0].Topics), Describe(Start(1)[0].Topics));
    }

    [Fact]
    public void Configs_altered_from_both_brokers_at_once_end_identical_with_every_key()
    {
        var brokers = Start(2);
        Assert.Equal(ErrorCode.None, brokers[0].Topics.Create("configured", 1, 1, null, validateOnly: false).Error);
        CaughtUp(brokers);
        RunAtOnce(4, t =>
        {
            var b = brokers[t % 2];
            for (int i = 0; i < 30; i++)
            {
                // Incremental: each thread owns one key, so every key must survive the other thread's changes.
                string key = t switch { 0 => "retention.ms", 1 => "segment.ms", 2 => "max.message.bytes", _ => "retention.bytes" };
                string value = (100_000 + i).ToString();
                Assert.Equal(ErrorCode.None, b.Topics.AlterConfigs("configured", c => { c[key] = value; return default; }, validateOnly: false).Error);
                b.BrokerConfigs.Set("" + (t % 2 + 1), new Dictionary<string, string> { ["log.retention.ms"] = value });
                b.GroupConfigs.Set("group-" + t, new Dictionary<string, string> { ["consumer.session.timeout.ms"] = value });
            }
        });
        CaughtUp(brokers);
        var configs = brokers[0].Topics.Get("configured")!.Configs;
        Assert.Equal(["max.message.bytes", "retention.bytes", "retention.ms", "segment.ms"], configs.Keys.Order(StringComparer.Ordinal));
        Assert.All(configs.Values, v => Assert.Equal("100029", v));
        Assert.All(brokers, b => Assert.Equal(Describe(brokers[0].Topics), Describe(b.Topics)));
        foreach (var table in new Func<Broker, ConfigResourceTable>[] { b => b.BrokerConfigs, b => b.GroupConfigs })
        {
            string Render(Broker b) => string.Join(";", table(b).Resources.OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => r.Key + ":" + string.Join(",", r.Value.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value))));
            Assert.Equal(Render(brokers[0]), Render(brokers[1]));
        }
        Assert.Equal(4, brokers[1].GroupConfigs.Resources.Count);
        Assert.Equal("100029", brokers[1].BrokerConfigs.Get("1")["log.retention.ms"]);
    }

    [Fact]
    public void Acls_created_from_both_brokers_at_once_are_kept_once_each_and_identical()
    {
        var brokers = Start(2);
        static AclBinding Acl(int i) => new(AclResourceType.Topic, "t" + i, AclPatternType.Literal, "User:u" + (i % 5), "*", AclOperation.Read, AclPermissionType.Allow);
        RunAtOnce(4, t =>
        {
            var b = brokers[t % 2];
            // Every thread adds every ACL, one or a few per request, in its own order.
            for (int i = 0; i < 40; i += 1 + t % 2)
            {
                var acls = Enumerable.Range(i, 1 + t % 2).Select(k => Acl((k * (t + 3)) % 40)).ToList();
                Assert.All(b.Acls.Create(acls), r => Assert.True(r.Succeeded));
            }
        });
        CaughtUp(brokers);
        var expected = Enumerable.Range(0, 40).Select(Acl).ToHashSet();
        foreach (var b in brokers)
        {
            Assert.Equal(40, b.Acls.Snapshot.All.Length);
            Assert.True(expected.SetEquals(b.Acls.Snapshot.All));
        }
        Assert.Equal(brokers[0].Acls.Snapshot.All, brokers[1].Acls.Snapshot.All);
        // Deleting from both sides at once removes each once.
        RunAtOnce(2, t => brokers[t].Acls.Delete([new AclBindingFilter(AclResourceType.Any, null, AclPatternType.Any, "User:u1", null, AclOperation.Any, AclPermissionType.Any)]));
        CaughtUp(brokers);
        Assert.All(brokers, b => Assert.Equal(32, b.Acls.Snapshot.All.Length));
        var later = Start(1)[0];
        Assert.Equal(brokers[0].Acls.Snapshot.All, later.Acls.Snapshot.All);
    }

    [Fact]
    public void Producer_ids_allocated_from_three_brokers_at_once_never_overlap()
    {
        var brokers = Start(3);
        const int PerThread = 2500;
        var ids = new long[6][];
        RunAtOnce(6, t =>
        {
            var b = brokers[t % 3];
            ids[t] = new long[PerThread];
            for (int i = 0; i < PerThread; i++) ids[t][i] = b.ProducerIds.Next();
        });
        var all = ids.SelectMany(i => i).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        // Blocks are claimed in log order, each past the last: no id beyond the blocks taken, and none below 0.
        CaughtUp(brokers);
        Assert.All(all, id => Assert.True(brokers[0].ProducerIds.WasAllocated(id)));
        Assert.True(all.Max() < 6 * PerThread + 6 * ProducerIdManager.BlockSize);
        // A broker started afterwards begins past every id handed out.
        Assert.True(Start(1)[0].ProducerIds.Next() > all.Max());
    }

    public void Dispose()
    {
        foreach (var b in _brokers) b.Dispose();
    }
}
