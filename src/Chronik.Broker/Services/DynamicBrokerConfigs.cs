using System.Text.Json;
using Chronik.Coordination.Configs.Catalog;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Microsoft.Extensions.Hosting;

namespace Chronik.Broker.Services;

/// <summary>
/// The broker configs changed at run time (AlterConfigs / IncrementalAlterConfigs on a BROKER resource): this node's
/// own (DYNAMIC_BROKER_CONFIG) and the cluster-wide default (DYNAMIC_DEFAULT_BROKER_CONFIG), on the metadata store as
/// ConfigRecords of resource type BROKER named by node id ("" for the cluster default, as in Kafka); a
/// broker-configs.json of the JSON era is imported once. Only the log defaults topics fall back to are dynamic; a change
/// recomputes <see cref="TopicDefaults.TopicConfigDefaults"/> and re-applies every partition's <c>LogConfig</c> whenever
/// a BROKER batch is applied, this broker's or (on a shared store) another's changing the cluster default.
/// Locks: <c>_lock</c> orders this broker's changes and is held across the append; the recomputation runs under
/// <c>_defaultsLock</c>, then <see cref="TopicManager"/>'s log lock, neither of which is held across an append.
/// </summary>
public sealed class DynamicBrokerConfigs : IHostedService
{
    private readonly object _lock = new();
    private readonly object _defaultsLock = new();
    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    public const string LegacyFileName = "broker-configs.json";

    /// <summary>Kafka's ConfigResource.Type.BROKER; the cluster default is the resource named "".</summary>
    public const sbyte BrokerResourceType = 4;

    private readonly Dictionary<string, string> _staticDefaults;
    // Every broker's configs (the data dir may have been used with another node.id: those are kept, never applied).
    private readonly ConfigResourceTable _brokers;

    public DynamicBrokerConfigs(BrokerOptions options, TopicManager topics, IMetadataStore store, string? legacyDataDir)
    {
        _options = options;
        _topics = topics;
        _staticDefaults = new(topics.Defaults.TopicConfigDefaults, StringComparer.Ordinal);
        _brokers = new ConfigResourceTable(store, BrokerResourceType);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _brokers.ReplayedAny, ReadLegacy);
        _brokers.Changed += ApplyDefaults;
        ApplyDefaults();
    }

    /// <summary>This node's dynamic configs (a snapshot; replaced whole on change).</summary>
    public IReadOnlyDictionary<string, string> PerBroker => _brokers.Get(NodeKey);

    /// <summary>The cluster-wide dynamic defaults (a snapshot; replaced whole on change).</summary>
    public IReadOnlyDictionary<string, string> ClusterDefault => _brokers.Get(ClusterDefaultName);

    private const string ClusterDefaultName = "";

    /// <summary>True when <paramref name="key"/> can be changed at run time here.</summary>
    public static bool IsDynamic(string key) => ConfigCatalog.Broker(key) is { Dynamic: true };

    /// <summary>The value of a broker key above Kafka's default, with its source: dynamic per-broker, dynamic default, server.properties.</summary>
    public (string Value, sbyte Source)? Lookup(string key)
    {
        if (PerBroker.TryGetValue(key, out var b)) return (b, ConfigSourceId.DynamicBrokerConfig);
        if (ClusterDefault.TryGetValue(key, out var d)) return (d, ConfigSourceId.DynamicDefaultBrokerConfig);
        if (_options.RawConfig.TryGetValue(key, out var s)) return (s, ConfigSourceId.StaticBrokerConfig);
        return null;
    }

    /// <summary>
    /// Changes this node's configs (<paramref name="clusterDefault"/> false) or the cluster default: <paramref name="change"/>
    /// edits a copy and returns an error or None; on None (and unless <paramref name="validateOnly"/>) the copy is
    /// persisted and takes effect at once.
    /// </summary>
    public (ErrorCode Error, string? Message) Alter(bool clusterDefault, Func<Dictionary<string, string>, (ErrorCode Error, string? Message)> change, bool validateOnly)
    {
        lock (_lock)
        {
            string name = clusterDefault ? ClusterDefaultName : NodeKey;
            var copy = new Dictionary<string, string>(_brokers.Get(name), StringComparer.Ordinal);
            var result = change(copy);
            if (result.Error != ErrorCode.None || validateOnly) return result;
            // Applying the batch recomputes the defaults (Changed), before Set returns.
            _brokers.Set(name, copy);
            return result;
        }
    }

    /// <summary>Null when <paramref name="key"/> may be changed at run time, else why: the broker keys we know and only read at start-up.</summary>
    public static string? ValidateName(string key) =>
        !IsDynamic(key) && ConfigDescriber.IsBrokerKey(key) ? $"Cannot update these configs dynamically: {key} is read-only (a static broker config)" : null;

    /// <summary>
    /// Null when <paramref name="key"/> may be set to <paramref name="value"/> dynamically, else why (INVALID_CONFIG).
    /// Keys we do not know are kept (and reported) without effect, as Kafka keeps them (e.g. listener and SASL settings).
    /// </summary>
    public static string? Validate(string key, string? value)
    {
        if (ValidateName(key) is { } readOnly) return readOnly;
        if (value is null) return $"Null value not supported for broker config {key}";
        return ConfigCatalog.Broker(key) is { } def ? def.Validate(value) : null;
    }

    /// <summary>Recomputes the topic config defaults and re-applies them to every partition.</summary>
    private void ApplyDefaults()
    {
        // Serialized, and reading the tables as published when it runs: the last to run saw the newest.
        lock (_defaultsLock) _topics.SetTopicConfigDefaults(Defaults());
    }

    /// <summary>Topic config defaults with the dynamic layers on top: per key the first broker synonym set at any layer wins, as in Kafka.</summary>
    private Dictionary<string, string> Defaults()
    {
        var defaults = new Dictionary<string, string>(_staticDefaults, StringComparer.Ordinal);
        foreach (var def in TopicConfigKeys.All)
        {
            foreach (var (synonym, factor) in def.Synonyms)
            {
                string key = synonym.Name;
                if (Lookup(key) is not { } found) continue;
                if (found.Source == ConfigSourceId.StaticBrokerConfig)
                {
                    // server.properties: the start-up resolution (BrokerOptions) already holds it when it is one we act on.
                    if (!defaults.ContainsKey(def.Name) && TopicConfigCatalog.ToTopicValue(found.Value, factor) is { } s) defaults[def.Name] = s;
                }
                else if (TopicConfigCatalog.ToTopicValue(found.Value, factor) is { } v)
                {
                    defaults[def.Name] = v;
                }
                break;
            }
        }
        return defaults;
    }

    private string NodeKey => _options.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>broker-configs.json as the JSON era wrote it (read at migration only).</summary>
    private sealed record Persisted(Dictionary<string, Dictionary<string, string>> Brokers, Dictionary<string, string> ClusterDefault);

    private static IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var p = JsonSerializer.Deserialize<Persisted>(File.ReadAllText(file));
        var records = ConfigResourceTable.RecordsOf(BrokerResourceType, ClusterDefaultName, p?.ClusterDefault ?? []).ToList();
        foreach (var (node, configs) in (p?.Brokers ?? []).OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            records.AddRange(ConfigResourceTable.RecordsOf(BrokerResourceType, node, configs));
        }
        return records;
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
