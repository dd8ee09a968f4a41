using Chronik.Coordination.Topics;

namespace Chronik.Broker.Services;

/// <summary>How this one-node cluster presents itself to clients: node id, advertised endpoints, cluster id.</summary>
public sealed class ClusterView
{
    public ClusterView(BrokerOptions options, TopicManager topics)
    {
        NodeId = options.NodeId;
        Host = options.AdvertisedHost;
        Port = options.EffectiveAdvertisedPort;
        Topics = topics;
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
    /// <summary>Leader epoch of every partition: there is one leader forever.</summary>
    public const int LeaderEpoch = 0;
}
