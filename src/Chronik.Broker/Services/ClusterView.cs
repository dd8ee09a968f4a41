using Chronik.Coordination.Topics;

namespace Chronik.Broker.Services;

/// <summary>How this one-node cluster presents itself to clients: node id, advertised endpoint, cluster id.</summary>
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
    public string Host { get; }
    public int Port { get; }
    public TopicManager Topics { get; }
    public string ClusterId => Topics.ClusterId;
    /// <summary>Leader epoch of every partition: there is one leader forever.</summary>
    public const int LeaderEpoch = 0;
}
