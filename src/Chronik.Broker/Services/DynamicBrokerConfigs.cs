using System.Text.Json;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Microsoft.Extensions.Hosting;

namespace Chronik.Broker.Services;

/// <summary>
/// The broker configs changed at run time (AlterConfigs / IncrementalAlterConfigs on a BROKER resource): this node's
/// own (DYNAMIC_BROKER_CONFIG) and the cluster-wide default (DYNAMIC_DEFAULT_BROKER_CONFIG), persisted atomically in
/// &lt;data-dir&gt;/__cluster_metadata/broker-configs.json. Only the log defaults topics fall back to are dynamic; a change
/// recomputes <see cref="TopicDefaults.TopicConfigDefaults"/> and re-applies every partition's <c>LogConfig</c>.
/// Lock order: this class's lock, then <see cref="TopicManager"/>'s.
/// </summary>
public sealed class DynamicBrokerConfigs : IHostedService
{
    private readonly object _lock = new();
    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    private readonly string? _file;
    private readonly Dictionary<string, string> _staticDefaults;
    private Dictionary<string, string> _perBroker = new(StringComparer.Ordinal);
    private Dictionary<string, string> _clusterDefault = new(StringComparer.Ordinal);
    // Configs persisted for other node ids (the data dir was used with another node.id): kept, never applied.
    private Dictionary<string, Dictionary<string, string>> _loadedOtherBrokers = [];

    public DynamicBrokerConfigs(BrokerOptions options, TopicManager topics, string? dataDir)
    {
        _options = options;
        _topics = topics;
        _staticDefaults = new(topics.Defaults.TopicConfigDefaults, StringComparer.Ordinal);
        if (dataDir is not null)
        {
            string dir = Path.Combine(dataDir, "__cluster_metadata");
            Directory.CreateDirectory(dir);
            _file = Path.Combine(dir, "broker-configs.json");
            Load();
        }
        Apply();
    }

    /// <summary>This node's dynamic configs (a snapshot; replaced whole on change).</summary>
    public IReadOnlyDictionary<string, string> PerBroker => _perBroker;

    /// <summary>The cluster-wide dynamic defaults (a snapshot; replaced whole on change).</summary>
    public IReadOnlyDictionary<string, string> ClusterDefault => _clusterDefault;

    /// <summary>True when <paramref name="key"/> can be changed at run time here.</summary>
    public static bool IsDynamic(string key) => TopicConfigCatalog.FindByBrokerKey(key) is not null;

    /// <summary>The value of a broker key above Kafka's default, with its source: dynamic per-broker, dynamic default, server.properties.</summary>
    public (string Value, sbyte Source)? Lookup(string key)
    {
        if (_perBroker.TryGetValue(key, out var b)) return (b, ConfigSourceId.DynamicBrokerConfig);
        if (_clusterDefault.TryGetValue(key, out var d)) return (d, ConfigSourceId.DynamicDefaultBrokerConfig);
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
            var copy = new Dictionary<string, string>(clusterDefault ? _clusterDefault : _perBroker, StringComparer.Ordinal);
            var result = change(copy);
            if (result.Error != ErrorCode.None || validateOnly) return result;
            if (clusterDefault) _clusterDefault = copy;
            else _perBroker = copy;
            Save();
            Apply();
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
        if (IsDynamic(key)) return TopicConfigCatalog.ValidateBrokerDefault(key, value);
        return value is null ? $"Null value not supported for broker config {key}" : null;
    }

    /// <summary>Topic config defaults with the dynamic layers on top: per key the first broker synonym set at any layer wins, as in Kafka.</summary>
    private void Apply()
    {
        var defaults = new Dictionary<string, string>(_staticDefaults, StringComparer.Ordinal);
        foreach (var def in TopicConfigCatalog.All)
        {
            foreach (var (key, factor) in TopicConfigCatalog.BrokerSynonymsOf(def))
            {
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
        _topics.SetTopicConfigDefaults(defaults);
    }

    private sealed record Persisted(Dictionary<string, Dictionary<string, string>> Brokers, Dictionary<string, string> ClusterDefault);

    private string NodeKey => _options.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Load()
    {
        if (_file is null || !File.Exists(_file)) return;
        var p = JsonSerializer.Deserialize<Persisted>(File.ReadAllText(_file));
        if (p is null) return;
        _clusterDefault = new(p.ClusterDefault ?? [], StringComparer.Ordinal);
        _perBroker = p.Brokers is not null && p.Brokers.TryGetValue(NodeKey, out var mine) ? new(mine, StringComparer.Ordinal) : new(StringComparer.Ordinal);
        _loadedOtherBrokers = p.Brokers ?? [];
    }

    private void Save()
    {
        if (_file is null) return;
        var brokers = new Dictionary<string, Dictionary<string, string>>(_loadedOtherBrokers, StringComparer.Ordinal) { [NodeKey] = _perBroker };
        if (_perBroker.Count == 0) brokers.Remove(NodeKey);
        AtomicFile.Write(_file, JsonSerializer.SerializeToUtf8Bytes(new Persisted(brokers, _clusterDefault)));
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
