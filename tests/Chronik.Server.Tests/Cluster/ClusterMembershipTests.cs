using System.Diagnostics;
using Chronik.Broker.Tests;
using Chronik.Coordination.Membership;
using Chronik.Protocol.Messages;
using Npgsql;
using Xunit.Abstractions;

namespace Chronik.Server.Tests.Cluster;

/// <summary>
/// chronik-server processes in cluster mode on one real PostgreSQL database: they list each other in Metadata and
/// DescribeCluster with the same rendezvous leaders, a SIGKILLed one drops out after broker.session.timeout.ms, a
/// cleanly stopped one unregisters, a live node id is refused and a paused one whose id was taken is fenced.
/// Topics are created and read on the same broker (cross-broker topics are another change).
/// </summary>
[Collection(ClusterPostgresCollection.Name)]
public sealed class ClusterMembershipTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly ClusterPostgresFixture _pg;
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-cluster-").FullName;
    private readonly List<ClusterBroker> _brokers = [];

    private readonly ITestOutputHelper _output;

    public ClusterMembershipTests(ClusterPostgresFixture pg, ITestOutputHelper output)
    {
        _pg = pg;
        _output = output;
    }

    public void Dispose()
    {
        foreach (var b in _brokers) b.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string ObjectStore => "file://" + Path.Combine(_dir, "objects");

    private ClusterBroker Broker(int nodeId, string url)
    {
        var b = new ClusterBroker(nodeId, url, ObjectStore, _dir);
        _brokers.Add(b);
        return b;
    }

    [Fact]
    public async Task Brokers_list_each_other_with_the_same_leaders_and_a_killed_one_drops_out_after_the_session_timeout()
    {
        var (url, cs) = _pg.NewDatabase();
        var brokers = new[] { Broker(1, url), Broker(2, url), Broker(3, url) };
        var clients = new List<RawClient>();
        try
        {
            // One after another: each joins a cluster that already has the others.
            foreach (var b in brokers)
            {
                b.Start();
                clients.Add(await b.ConnectAsync());
            }
            foreach (var c in clients)
            {
                Assert.True(await ClusterBroker.WaitUntilAsync(() => ClusterBroker.MetadataNodes(c).SequenceEqual([1, 2, 3]), s_wait),
                    $"Metadata lists [{string.Join(",", ClusterBroker.MetadataNodes(c))}]");
            }
            // Every broker lists every broker with the listener it registered.
            var expected = brokers.Select(b => (b.NodeId, "127.0.0.1", b.Port)).ToList();
            foreach (var c in clients)
            {
                Assert.Equal(expected, ClusterBroker.Metadata(c).Brokers.Select(b => (b.NodeId, b.Host, b.Port)));
                var cluster = CrashServer.Call<DescribeClusterResponse>(c, new DescribeClusterRequest(), 1);
                Assert.Equal(0, cluster.ErrorCode);
                Assert.Equal(expected, cluster.Brokers.Select(b => (b.BrokerId, b.Host, b.Port)));
            }

            // Each broker places its topic's partitions by the one rendezvous function over the live node ids.
            var topics = new Dictionary<int, Guid>();
            for (int i = 0; i < 2; i++)
            {
                string name = $"placed-{i + 1}";
                var created = CrashServer.Call<CreateTopicsResponse>(clients[i], new CreateTopicsRequest
                {
                    Topics = [new() { Name = name, NumPartitions = 24, ReplicationFactor = 1 }],
                }, 5);
                Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);
                var topic = Assert.Single(ClusterBroker.Metadata(clients[i], name).Topics);
                Assert.Equal(0, topic.ErrorCode);
                topics[i] = topic.TopicId;
                AssertPlaced(topic, [1, 2, 3]);
                Assert.True(topic.Partitions.Select(p => p.LeaderId).Distinct().Count() > 1, "24 partitions all on one of three brokers");
            }
            // Where the other broker already knows the topic (by the same id), it names the same leaders.
            foreach (var c in clients)
            {
                foreach (var t in ClusterBroker.Metadata(c).Topics.Where(t => t.ErrorCode == 0 && topics.ContainsValue(t.TopicId))) AssertPlaced(t, [1, 2, 3]);
            }

            // SIGKILL: no unregistration; the others drop node 3 once its heartbeat is older than the session timeout.
            brokers[2].Process!.KillHard();
            var clock = Stopwatch.StartNew();
            Assert.True(await ClusterBroker.WaitUntilAsync(() => clients.Take(2).All(c => ClusterBroker.MetadataNodes(c).SequenceEqual([1, 2])), s_wait),
                "node 3 is still listed");
            long droppedMs = clock.ElapsedMilliseconds;
            _output.WriteLine($"node 3 dropped out of both lists {droppedMs} ms after its SIGKILL (session timeout {ClusterBroker.SessionTimeoutMs} ms)");
            Assert.True(droppedMs >= ClusterBroker.SessionTimeoutMs - 2 * ClusterBroker.HeartbeatIntervalMs - 200,
                $"node 3 dropped out after {droppedMs} ms, before its session could lapse");
            Assert.True(droppedMs <= ClusterBroker.SessionTimeoutMs + 10_000, $"node 3 dropped out only after {droppedMs} ms");
            var afterKill = Assert.Single(ClusterBroker.Metadata(clients[0], "placed-1").Topics);
            AssertPlaced(afterKill, [1, 2]);
            Assert.Equal([1, 2], CrashServer.Call<DescribeClusterResponse>(clients[1], new DescribeClusterRequest(), 1).Brokers.Select(b => b.BrokerId));

            // A clean stop removes the row at once.
            clients[1].Dispose();
            brokers[1].Process!.Terminate();
            var (code, stdout, stderr) = await brokers[1].Process!.WaitForExitAsync(s_wait);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Equal([1, 3], RegisteredNodes(cs));
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + await OutputsAsync(brokers), e);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task A_live_node_id_is_refused_and_a_paused_broker_whose_id_was_taken_is_fenced_and_stops()
    {
        var (url, _) = _pg.NewDatabase();
        var first = Broker(1, url);
        first.Start();
        using (var c = await first.ConnectAsync()) Assert.Equal([1], ClusterBroker.MetadataNodes(c));

        var second = Broker(1, url);
        var (code, stdout, stderr) = await second.Start().WaitForExitAsync(s_wait);
        Assert.NotEqual(0, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"node id 1 is already registered by a live broker at 127.0.0.1:{first.Port}", line, StringComparison.Ordinal);
        Assert.Contains("--node-id", line, StringComparison.Ordinal);

        // Paused past its session: its node id lapses and a new broker takes it; resumed, the old one is fenced and stops.
        first.Process!.Pause();
        await Task.Delay(ClusterBroker.SessionTimeoutMs + 1000);
        var third = Broker(1, url);
        third.Start();
        using var c3 = await third.ConnectAsync();
        first.Process.Resume();
        var (fencedCode, fencedOut, fencedErr) = await first.Process.WaitForExitAsync(s_wait);
        Assert.True(fencedCode == 1, $"exit {fencedCode}\n{fencedOut}\n{fencedErr}");
        Assert.Contains("Fenced: node id 1 session epoch 1 is no longer registered", fencedOut, StringComparison.Ordinal);
        var meta = ClusterBroker.Metadata(c3);
        Assert.Equal([(1, third.Port)], meta.Brokers.Select(b => (b.NodeId, b.Port)));
    }

    // What the brokers logged, for a failure's message (they are killed first).
    private static async Task<string> OutputsAsync(IEnumerable<ClusterBroker> brokers)
    {
        var text = new System.Text.StringBuilder();
        foreach (var b in brokers)
        {
            if (b.Process is not { } p) continue;
            if (!p.HasExited) p.KillHard();
            var (code, stdout, stderr) = await p.WaitForExitAsync(TimeSpan.FromSeconds(10));
            text.Append("\n--- node ").Append(b.NodeId).Append(" exit ").Append(code).Append('\n').Append(stdout).Append(stderr);
        }
        return text.ToString();
    }

    private static void AssertPlaced(MetadataResponse.MetadataResponseTopic topic, int[] live)
    {
        foreach (var p in topic.Partitions)
        {
            int leader = RendezvousPlacement.Leader(topic.TopicId, p.PartitionIndex, live);
            Assert.Equal(leader, p.LeaderId);
            Assert.Equal([leader], p.ReplicaNodes);
            Assert.Equal([leader], p.IsrNodes);
        }
    }

    private static int[] RegisteredNodes(string cs)
    {
        using var conn = new NpgsqlConnection(cs);
        conn.Open();
        using var cmd = new NpgsqlCommand("SELECT node_id FROM brokers ORDER BY node_id", conn);
        using var r = cmd.ExecuteReader();
        var nodes = new List<int>();
        while (r.Read()) nodes.Add(r.GetInt32(0));
        return [.. nodes];
    }
}
