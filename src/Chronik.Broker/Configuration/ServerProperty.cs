using Chronik.Broker;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Configuration;

/// <summary>How server.properties applies one catalog key to the broker's options, and the value it runs with.</summary>
/// <param name="Def">The key's definition (name, type, bounds, documentation) in <see cref="BrokerConfigKeys"/>.</param>
/// <param name="Current">The value the broker runs with, or null when unset.</param>
/// <param name="Apply">Parses a value (throwing <see cref="ConfigValueException"/>) into the settings.</param>
public sealed record ServerProperty(ConfigKey Def, Func<BrokerOptions, string?> Current, Action<ServerSettings, string> Apply)
{
    public string Key => Def.Name;
}
