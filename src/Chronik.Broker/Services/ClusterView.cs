using Chronik.Coordination.Membership;
using Chronik.Coordination.Topics;

namespace Chronik.Broker.Services;

/// <summary>
/// How the cluster presents itself to clients: this node's id and advertised endpoints, the cluster id, the live
/// brokers and where each partition is placed among them (the rendezvous order; a single node places all on itself).
/// </summary>
public sealed class ClusterView
{
    private readonly ILiveBrokers _live;
    private readonly string? _rack;

    public ClusterView(BrokerOptions options, TopicManager topics, ILiveBrokers live)
    {
        NodeId = options.NodeId;
        Host = options.AdvertisedHost;
        Port = options.EffectiveAdvertisedPort;
        Topics = topics;
        _live = live;
        _rack = options.BrokerRack;
    }

    public int NodeId { get; }
    /// <summary>The first listener's advertised host.</summary>
    public string Host { get; }
    /// <summary>The first listener's advertised port.</summary>
    public int Port { get; }
    public TopicManager Topics { get; }
    public string ClusterId => Topics.ClusterId;

    /// <summary>
    /// The address this node advertises to a client of <paramref name="listener"/> (the one its connection came in on), as
    /// Kafka answers each client with its own listener's endpoint; the first listener's without one.
    /// </summary>
    public (string Host, int Port) EndpointFor(BrokerListener? listener) =>
        listener is null ? (Host, Port) : (listener.AdvertisedHost, listener.EffectiveAdvertisedPort);
    /// <summary>Leader epoch of every partition: every broker serves every partition, so a leader change fences nothing.</summary>
    public const int LeaderEpoch = 0;

    /// <summary>
    /// Replicas of a partition until topics record their replication factor: TopicManager creates only factor 1 now,
    /// so a partition lists one broker (its rendezvous leader). Replicas and ISR are min(factor, live) brokers.
    /// </summary>
    public const int ReplicationFactor = 1;

    /// <summary>
    /// The live brokers as a client of <paramref name="listener"/> sees them, by node id: this node with that listener's
    /// endpoint (as <see cref="EndpointFor"/>), the others with the listener they registered. Read once per request, so
    /// one response places every partition on one list.
    /// </summary>
    public Placement PlacementFor(BrokerListener? listener)
    {
        var live = _live.Brokers;
        var (host, port) = EndpointFor(listener);
        var brokers = new List<LiveBroker>(live.Count + 1);
        bool self = false;
        foreach (var b in live)
        {
            self |= b.NodeId == NodeId;
            brokers.Add(b.NodeId == NodeId ? b with { Host = host, Port = port } : b);
        }
        // The list always holds this node (it serves this very request), even if its own row lapsed a moment ago.
        if (!self)
        {
            brokers.Add(new LiveBroker(NodeId, host, port, _rack));
            brokers.Sort(static (a, b) => a.NodeId.CompareTo(b.NodeId));
        }
        return new Placement(NodeId, brokers, brokers.Select(b => b.NodeId).ToArray());
    }

    /// <summary>One request's view of the live brokers and of where partitions are placed on them.</summary>
    public sealed class Placement
    {
        private readonly int _self;
        private readonly int[] _nodes;

        internal Placement(int self, IReadOnlyList<LiveBroker> brokers, int[] nodes)
        {
            _self = self;
            Brokers = brokers;
            _nodes = nodes;
        }

        /// <summary>The live brokers, by node id; this node among them.</summary>
        public IReadOnlyList<LiveBroker> Brokers { get; }

        /// <summary>The partition's leader: the first in rendezvous order over the live node ids (this node when alone).</summary>
        public int Leader(Guid topicId, int partition) =>
            _nodes.Length == 1 ? _self : RendezvousPlacement.Leader(topicId, partition, _nodes);

        /// <summary>The partition's replicas (and ISR): min(<see cref="ReplicationFactor"/>, live) brokers in rendezvous order, the leader first.</summary>
        public int[] Replicas(Guid topicId, int partition) =>
            _nodes.Length == 1 ? [_self] : RendezvousPlacement.Replicas(topicId, partition, _nodes, ReplicationFactor);
    }
}
