using Chronik.Cluster.Membership;
using Npgsql;

namespace Chronik.Cluster.Tests;

/// <summary>Node registration: one live holder per node id, heartbeats, the live list by session timeout, fencing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BrokerRegistryTests(PostgresFixture pg) : IDisposable
{
    private readonly NpgsqlDataSource _ds = NpgsqlDataSource.Create(pg.NewDatabase());

    [Fact]
    public void Brokers_register_with_their_listener_and_rack_and_are_listed_live()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromSeconds(10));
        var one = registry.Register(new BrokerEndpoint(1, "10.0.0.1", 9092, "rack-a"));
        var two = registry.Register(new BrokerEndpoint(2, "10.0.0.2", 9093));
        Assert.Equal(1, one.Epoch);
        Assert.Equal(1, two.Epoch);
        var live = registry.LiveBrokers();
        Assert.Equal([new BrokerEndpoint(1, "10.0.0.1", 9092, "rack-a"), new BrokerEndpoint(2, "10.0.0.2", 9093)], live.Select(b => b.Endpoint));
        registry.Heartbeat(one);
        Assert.True(registry.Unregister(two));
        Assert.Equal([1], registry.LiveBrokers().Select(b => b.Endpoint.NodeId));
    }

    [Fact]
    public void A_second_broker_with_a_live_node_id_is_refused_with_a_message_that_says_why()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromSeconds(30));
        registry.Register(new BrokerEndpoint(3, "host-a", 9092));
        var e = Assert.Throws<NodeIdInUseException>(() => registry.Register(new BrokerEndpoint(3, "host-b", 9092)));
        Assert.Contains("node id 3 is already registered by a live broker at host-a:9092", e.Message, StringComparison.Ordinal);
        Assert.Contains("30000 ms", e.Message, StringComparison.Ordinal);
        Assert.Equal("host-a", registry.LiveBrokers().Single().Endpoint.Host);
    }

    [Fact]
    public void Of_many_brokers_racing_for_one_node_id_exactly_one_wins()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromSeconds(30));
        int won = 0, refused = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            try
            {
                registry.Register(new BrokerEndpoint(7, "host-" + i, 9092));
                Interlocked.Increment(ref won);
            }
            catch (NodeIdInUseException)
            {
                Interlocked.Increment(ref refused);
            }
        });
        Assert.Equal((1, 7), (won, refused));
    }

    [Fact]
    public void A_lapsed_broker_drops_out_of_the_live_list_its_node_id_can_be_taken_and_the_old_session_is_fenced()
    {
        // Margins of a second either side of the timeout, so that a busy machine cannot move a broker across it.
        var registry = new BrokerRegistry(_ds, TimeSpan.FromMilliseconds(2500));
        var old = registry.Register(new BrokerEndpoint(5, "old-host", 9092));
        var other = registry.Register(new BrokerEndpoint(6, "other-host", 9092));
        Thread.Sleep(2000);
        registry.Heartbeat(other);
        Thread.Sleep(1500);
        // 5 has been silent for 3.5 s (> 2.5 s), 6 heartbeated 1.5 s ago.
        Assert.Equal([6], registry.LiveBrokers().Select(b => b.Endpoint.NodeId));
        Assert.Equal([5, 6], registry.AllBrokers().Select(b => b.Endpoint.NodeId));
        var taken = registry.Register(new BrokerEndpoint(5, "new-host", 9094, "r2"));
        Assert.Equal(old.Epoch + 1, taken.Epoch);
        Assert.Throws<BrokerFencedException>(() => registry.Heartbeat(old));
        Assert.False(registry.Unregister(old));
        registry.Heartbeat(taken);
        Assert.Equal(new BrokerEndpoint(5, "new-host", 9094, "r2"), registry.LiveBrokers()[0].Endpoint);
    }

    [Fact]
    public void A_broker_that_heartbeats_stays_live_past_the_session_timeout()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromMilliseconds(1000));
        var session = registry.Register(new BrokerEndpoint(9, "h", 9092));
        for (int i = 0; i < 8; i++)
        {
            Thread.Sleep(200);
            registry.Heartbeat(session);
        }
        Assert.Single(registry.LiveBrokers());
        Assert.Throws<NodeIdInUseException>(() => registry.Register(new BrokerEndpoint(9, "h2", 9092)));
    }

    public void Dispose() => _ds.Dispose();
}
