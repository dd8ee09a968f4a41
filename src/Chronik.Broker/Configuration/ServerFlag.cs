using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Configuration;

/// <summary>One command-line flag: its value name, default, help text, how it is applied and the Kafka key it mirrors.</summary>
public sealed record ServerFlag(
    string Name,
    string ValueName,
    Func<ServerSettings, string> Default,
    string Description,
    Action<ServerSettings, string> Apply,
    ConfigKey? KafkaKey = null);
