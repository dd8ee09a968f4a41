using Chronik.Broker;
using Microsoft.Extensions.Logging;

namespace Chronik.Server.Configuration;

/// <summary>The mutable state a flag or server.properties key writes into while the configuration is loaded.</summary>
internal sealed class ServerSettings
{
    public BrokerOptions Options { get; } = new();
    public LogLevel LogLevel { get; set; } = LogLevel.Information;
    /// <summary>Set once a flag or key names the advertised host, so a concrete bind address is not advertised instead.</summary>
    public bool AdvertisedHostSet { get; set; }
    public List<string> Warnings { get; } = [];
}
