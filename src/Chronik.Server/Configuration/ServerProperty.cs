using Chronik.Broker;

namespace Chronik.Server.Configuration;

/// <summary>One supported server.properties key: how it is applied, its default and its help text.</summary>
internal sealed record ServerProperty(
    string Key,
    Func<BrokerOptions, string> Default,
    string Description,
    Action<ServerSettings, string> Apply);
