namespace Chronik.Broker;

/// <summary>
/// One Kafka listener (an entry of <c>listeners</c>): its name, where it binds, the address it advertises to the clients
/// that connect to it, and its own security protocol, SASL and TLS settings (the <c>listener.name.NAME.*</c> keys).
/// </summary>
public sealed class BrokerListener
{
    /// <summary>The listener name in upper case (PLAINTEXT, SASL_SSL, or a name mapped in listener.security.protocol.map).</summary>
    public required string Name { get; init; }
    public required string BindAddress { get; set; }
    public required int Port { get; set; }
    /// <summary>The host clients of this listener are told to connect to; never 0.0.0.0.</summary>
    public required string AdvertisedHost { get; set; }
    /// <summary>Defaults to <see cref="Port"/> when not set.</summary>
    public int? AdvertisedPort { get; set; }
    public required Security.ListenerSecurityOptions Security { get; init; }

    public int EffectiveAdvertisedPort => AdvertisedPort ?? Port;
}
