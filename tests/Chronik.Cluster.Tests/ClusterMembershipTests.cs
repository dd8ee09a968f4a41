using Chronik.Cluster.Membership;
using Npgsql;

namespace Chronik.Cluster.Tests;

/// <summary>The broker's membership: registration, the cached live list its timer refreshes, fencing, unregistration.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterMembershipTests(PostgresFixture pg) : IDisposable
{
    private static readonly TimeSpan s_never = TimeSpan.FromHours(1);
    private readonly NpgsqlDataSource _ds = NpgsqlDataSource.Create(pg.NewDatabase());

    public void Dispose() => _ds.Dispose();

    [Fact]
    public void The_list_is_cached_and_refreshed_by_a_tick_and_always_holds_this_broker()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromSeconds(30));
        using var one = new ClusterMembership(registry, new BrokerEndpoint(1, "h1", 9092, "r1"), s_never);
        var session = one.Start();
        Assert.Equal(1, session.Epoch);
        Assert.Equal([new Coordination.Membership.LiveBroker(1, "h1", 9092, "r1")], one.Brokers);

        using var two = new ClusterMembership(registry, new BrokerEndpoint(2, "h2", 9093), s_never);
        two.Start();
        Assert.Equal([1, 2], two.Brokers.Select(b => b.NodeId));
        // No query per read: node 1 sees node 2 only after its next tick.
        Assert.Equal([1], one.Brokers.Select(b => b.NodeId));
        one.Tick();
        Assert.Equal([1, 2], one.Brokers.Select(b => b.NodeId));

        two.Dispose();
        one.Tick();
        Assert.Equal([1], one.Brokers.Select(b => b.NodeId));
        Assert.Equal([1], registry.AllBrokers().Select(b => b.Endpoint.NodeId));
    }

    [Fact]
    public void The_timer_heartbeats_so_the_broker_stays_live_past_the_session_timeout()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromMilliseconds(800));
        using var one = new ClusterMembership(registry, new BrokerEndpoint(1, "h1", 9092), TimeSpan.FromMilliseconds(100));
        one.Start();
        Thread.Sleep(2000);
        Assert.Equal([1], registry.LiveBrokers().Select(b => b.Endpoint.NodeId));
    }

    [Fact]
    public void A_taken_node_id_fences_the_old_session_once_and_it_does_not_unregister_the_new_one()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromMilliseconds(300));
        var old = new ClusterMembership(registry, new BrokerEndpoint(1, "old", 9092), s_never);
        var fenced = new List<BrokerFencedException>();
        old.Fenced += fenced.Add;
        old.Start();
        Thread.Sleep(600);
        using var taker = new ClusterMembership(registry, new BrokerEndpoint(1, "new", 9092), s_never);
        Assert.Equal(2, taker.Start().Epoch);

        old.Tick();
        old.Tick();
        Assert.Single(fenced);
        Assert.Same(fenced[0], old.FencedBy);
        old.Dispose();
        Assert.Equal("new", registry.AllBrokers().Single().Endpoint.Host);
    }

    [Fact]
    public void A_live_node_id_is_refused_at_start()
    {
        var registry = new BrokerRegistry(_ds, TimeSpan.FromSeconds(30));
        using var one = new ClusterMembership(registry, new BrokerEndpoint(5, "a", 9092), s_never);
        one.Start();
        using var two = new ClusterMembership(registry, new BrokerEndpoint(5, "b", 9092), s_never);
        var e = Assert.Throws<NodeIdInUseException>(() => two.Start());
        Assert.Contains("node id 5 is already registered by a live broker at a:9092", e.Message, StringComparison.Ordinal);
    }
}
