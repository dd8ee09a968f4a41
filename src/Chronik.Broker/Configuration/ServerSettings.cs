using Chronik.Broker;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Configuration;

/// <summary>The mutable state a flag or server.properties key writes into while the configuration is loaded.</summary>
public sealed class ServerSettings
{
    public ServerSettings()
        : this(new BrokerOptions())
    {
    }

    public ServerSettings(BrokerOptions options) => Options = options;

    public BrokerOptions Options { get; }
    public LogLevel LogLevel { get; set; } = LogLevel.Information;
    /// <summary>Set once a flag or key names the advertised host, so a concrete bind address is not advertised instead.</summary>
    public bool AdvertisedHostSet { get; set; }
    public List<string> Warnings { get; } = [];
    /// <summary>listener.security.protocol.map, by upper-case listener name.</summary>
    public Dictionary<string, Chronik.Broker.Security.SecurityProtocol> ProtocolMap { get; } = new(StringComparer.Ordinal);
    /// <summary>The first listener's name (its advertised.listeners entry is chosen by it).</summary>
    public string ListenerName
    {
        get => Options.ListenerName;
        set => Options.ListenerName = value;
    }

    /// <summary>The listeners after the first, with their protocols, until the broker-wide security keys are applied.</summary>
    internal List<(ListenerAddress Address, Chronik.Broker.Security.SecurityProtocol Protocol)>? PendingListeners { get; set; }

    /// <summary>controller.listener.names: listeners in <c>listeners</c> that are not served (a KRaft controller's).</summary>
    internal HashSet<string> ControllerListenerNames { get; } = new(StringComparer.Ordinal) { "CONTROLLER" };

    /// <summary>advertised.listeners entries by listener name.</summary>
    internal Dictionary<string, ListenerAddress> AdvertisedListeners { get; } = new(StringComparer.Ordinal);
}
