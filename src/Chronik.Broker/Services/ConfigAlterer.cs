using System.Globalization;
using Chronik.Coordination.Configs;
using Chronik.Coordination.Configs.Catalog;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Services;

/// <summary>Kafka's incremental config operations (IncrementalAlterConfigs ConfigOperation).</summary>
public enum ConfigOperation : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}

/// <summary>One requested change to one config key.</summary>
public readonly record struct ConfigChange(string Name, ConfigOperation Operation, string? Value);

/// <summary>
/// Applies AlterConfigs (replace the whole set) and IncrementalAlterConfigs (change only the named keys) to a topic's
/// overrides, to the broker's dynamic configs or to a consumer group's configs, with Kafka's validation and errors. Changes
/// are persisted and take effect at once (<see cref="TopicManager.AlterConfigs"/>, <see cref="DynamicBrokerConfigs.Alter"/>,
/// <see cref="GroupConfigStore.Alter"/>).
/// </summary>
public sealed class ConfigAlterer
{
    public const sbyte TopicResource = 2, BrokerResource = 4, BrokerLoggerResource = 8, GroupResource = 32;
    private readonly ClusterView _cluster;
    private readonly DynamicBrokerConfigs _dynamic;
    private readonly GroupConfigStore _groups;

    public ConfigAlterer(ClusterView cluster, DynamicBrokerConfigs dynamic, GroupConfigStore groups)
    {
        _cluster = cluster;
        _dynamic = dynamic;
        _groups = groups;
    }

    /// <summary>Alters one resource; <paramref name="replaceAll"/> is the legacy AlterConfigs semantics (unnamed keys are removed).</summary>
    public (ErrorCode Error, string? Message) Alter(sbyte resourceType, string resourceName, IReadOnlyList<ConfigChange> changes, bool replaceAll, bool validateOnly)
    {
        var duplicates = changes.GroupBy(c => c.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) return (ErrorCode.InvalidRequest, $"Error due to duplicate config keys: {string.Join(", ", duplicates)}");
        foreach (var c in changes)
        {
            if (!Enum.IsDefined(c.Operation)) return (ErrorCode.InvalidRequest, $"Unknown config operation {(sbyte)c.Operation} for config key {c.Name}");
        }
        // Kafka rejects a null value anywhere but in a DELETE before it looks at the resource (ConfigAdminManager.preprocess).
        var nulls = changes.Where(c => c.Value is null && (replaceAll || c.Operation != ConfigOperation.Delete)).Select(c => c.Name).ToList();
        if (nulls.Count > 0) return (ErrorCode.InvalidRequest, $"Null value not supported for : {string.Join(", ", nulls)}");
        switch (resourceType)
        {
            case TopicResource:
                return AlterTopic(resourceName, changes, replaceAll, validateOnly);
            case BrokerResource:
                bool clusterDefault = resourceName.Length == 0;
                if (!clusterDefault && !IsThisBroker(resourceName))
                {
                    return (ErrorCode.InvalidRequest, $"Unexpected broker id, expected {_cluster.NodeId.ToString(CultureInfo.InvariantCulture)} or empty string, but received {resourceName}");
                }
                // Kafka answers a broker config its validation refuses (read-only, bad value, APPEND to a non-list) with
                // INVALID_REQUEST, not INVALID_CONFIG (ConfigAdminManager.validateBrokerConfigChange, KAFKA-13609).
                var (error, message) = _dynamic.Alter(clusterDefault, configs => Apply(configs, changes, replaceAll, BrokerKind), validateOnly);
                return (error == ErrorCode.InvalidConfig ? ErrorCode.InvalidRequest : error, message);
            case GroupResource:
                if (resourceName.Length == 0) return (ErrorCode.InvalidRequest, "Default group resources are not allowed.");
                return _groups.Alter(resourceName, configs => Apply(configs, changes, replaceAll, GroupKind), validateOnly);
            case BrokerLoggerResource:
                return (ErrorCode.InvalidRequest, "Broker loggers are not managed over the Kafka protocol by this broker.");
            default:
                return (ErrorCode.InvalidRequest, $"Unsupported resource type: {resourceType}");
        }
    }

    private (ErrorCode, string?) AlterTopic(string name, IReadOnlyList<ConfigChange> changes, bool replaceAll, bool validateOnly)
    {
        if (name.Length == 0) return (ErrorCode.InvalidRequest, "Default topic resources are not allowed.");
        if (TopicNames.Validate(name) is { } bad) return (ErrorCode.InvalidTopicException, bad);
        var result = _cluster.Topics.AlterConfigs(name, configs =>
        {
            var (error, message) = Apply(configs, changes, replaceAll, TopicKind);
            return new TopicResult(error, message);
        }, validateOnly);
        return (result.Error, result.Message);
    }

    /// <summary>How a kind of resource checks keys and values and where APPEND starts when a key is unset.</summary>
    private sealed record ResourceKind(Func<string, string?> ValidateName, Func<string, string?, string?> Validate, Func<string, ConfigKey?> Find);

    private static readonly ResourceKind TopicKind = new(
        n => TopicConfigCatalog.Find(n) is null ? $"Unknown topic config name: {n}" : null,
        TopicConfigCatalog.Validate,
        ConfigCatalog.Topic);

    private static readonly ResourceKind BrokerKind = new(
        DynamicBrokerConfigs.ValidateName,
        DynamicBrokerConfigs.Validate,
        ConfigCatalog.Broker);

    private static readonly ResourceKind GroupKind = new(
        GroupConfigStore.ValidateName,
        GroupConfigStore.ValidateValue,
        ConfigCatalog.Group);

    private static (ErrorCode Error, string? Message) Apply(Dictionary<string, string> configs, IReadOnlyList<ConfigChange> changes, bool replaceAll, ResourceKind kind)
    {
        if (replaceAll) configs.Clear();
        foreach (var c in changes)
        {
            if (kind.ValidateName(c.Name) is { } unknown) return (ErrorCode.InvalidConfig, unknown);
            switch (c.Operation)
            {
                case ConfigOperation.Set:
                    if (kind.Validate(c.Name, c.Value) is { } why) return (ErrorCode.InvalidConfig, why);
                    configs[c.Name] = c.Value!.Trim();
                    break;
                case ConfigOperation.Delete:
                    configs.Remove(c.Name);
                    break;
                case ConfigOperation.Append:
                case ConfigOperation.Subtract:
                    if (kind.Find(c.Name)?.Type != ConfigType.List)
                    {
                        string verb = c.Operation == ConfigOperation.Append ? "append" : "subtract";
                        return (ErrorCode.InvalidConfig, $"Config value {verb} is not allowed for config key: {c.Name} (it is not a LIST)");
                    }
                    if (c.Value is null) return (ErrorCode.InvalidConfig, $"Null value not supported for config key: {c.Name}");
                    // Kafka starts from the config's own default when the resource does not set it.
                    string current = configs.TryGetValue(c.Name, out var v) ? v : kind.Find(c.Name)?.Default ?? "";
                    var items = Split(current);
                    var given = Split(c.Value);
                    items = c.Operation == ConfigOperation.Append
                        ? items.Concat(given).Distinct(StringComparer.Ordinal).ToList()
                        : items.Where(i => !given.Contains(i, StringComparer.Ordinal)).ToList();
                    string joined = string.Join(',', items);
                    if (kind.Validate(c.Name, joined) is { } listWhy) return (ErrorCode.InvalidConfig, listWhy);
                    configs[c.Name] = joined;
                    break;
            }
        }
        return (ErrorCode.None, null);
    }

    private static List<string> Split(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    private bool IsThisBroker(string name) =>
        int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) && id == _cluster.NodeId;
}
