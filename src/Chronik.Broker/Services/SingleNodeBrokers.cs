using Chronik.Coordination.Membership;

namespace Chronik.Broker.Services;

/// <summary>The live brokers of a single-node broker: itself, with its first listener's advertised endpoint.</summary>
public sealed class SingleNodeBrokers : ILiveBrokers
{
    public SingleNodeBrokers(BrokerOptions options)
    {
        Brokers = [new LiveBroker(options.NodeId, options.AdvertisedHost, options.EffectiveAdvertisedPort, options.BrokerRack)];
    }

    public IReadOnlyList<LiveBroker> Brokers { get; }
}
