using Chronik.Broker;

namespace Chronik.Broker.Configuration;

/// <summary>One supported server.properties key: how it is applied, its default and its help text.</summary>
public sealed record ServerProperty(
    string Key,
    Func<BrokerOptions, string> Default,
    string Description,
    Action<ServerSettings, string> Apply);
