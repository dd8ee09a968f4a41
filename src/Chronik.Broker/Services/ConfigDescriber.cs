using Chronik.Broker.Configuration;
using Chronik.Coordination.Configs.Catalog;
using Chronik.Coordination.Configs;
using Chronik.Coordination.Topics;

namespace Chronik.Broker.Services;

/// <summary>Kafka's config sources (DescribeConfigs ConfigSource / synonym Source).</summary>
public static class ConfigSourceId
{
    public const sbyte TopicConfig = 1;
    public const sbyte DynamicBrokerConfig = 2;
    public const sbyte DynamicDefaultBrokerConfig = 3;
    public const sbyte StaticBrokerConfig = 4;
    public const sbyte DefaultConfig = 5;
    public const sbyte GroupConfig = 8;
}

/// <summary>One synonym of a described config: where else its value could come from.</summary>
public readonly record struct ConfigSynonym(string Name, string? Value, sbyte Source);

/// <summary>A config as DescribeConfigs and CreateTopics (v5+) report it; a sensitive one (PASSWORD) is reported without a value.</summary>
public sealed record DescribedConfig(string Name, string? Value, sbyte Source, sbyte Type, string Documentation, IReadOnlyList<ConfigSynonym> Synonyms, bool ReadOnly = false, bool Sensitive = false);

/// <summary>
/// Resolves the configs of a topic, of this broker or of a group the way Kafka reports them, from the catalog
/// (<see cref="TopicConfigKeys"/>, <see cref="BrokerConfigKeys"/>, <see cref="GroupConfigKeys"/>): the resource's own
/// value, else the broker's synonym (dynamic per broker, dynamic cluster default, server.properties as kept in
/// <see cref="BrokerOptions.RawConfig"/>), else the default.
/// </summary>
public static class ConfigDescriber
{
    /// <summary>True when <paramref name="key"/> is a broker config of the catalog.</summary>
    public static bool IsBrokerKey(string key) => ConfigCatalog.Broker(key) is not null;

    /// <summary>
    /// Every catalog config of <paramref name="topic"/> with its effective value and source: the topic's own
    /// (DYNAMIC_TOPIC_CONFIG), else per broker synonym in precedence order this node's dynamic value, the cluster-wide
    /// dynamic default, server.properties; else Kafka's default.
    /// </summary>
    public static IReadOnlyList<DescribedConfig> DescribeTopic(TopicInfo topic, TopicManager topics, BrokerOptions options, DynamicBrokerConfigs? dynamic = null)
    {
        var result = new List<DescribedConfig>(TopicConfigKeys.All.Count);
        var defaults = topics.Defaults.TopicConfigDefaults;
        foreach (var def in TopicConfigKeys.All)
        {
            var synonyms = new List<ConfigSynonym>(3);
            if (topic.Configs.TryGetValue(def.Name, out var own)) synonyms.Add(new(def.Name, own, ConfigSourceId.TopicConfig));
            (string Value, sbyte Source, long Factor)? broker = null;
            foreach (var synonym in def.Synonyms)
            {
                foreach (var (layerValue, layerSource) in Layers(synonym.Key.Name, options, dynamic))
                {
                    synonyms.Add(new(synonym.Key.Name, layerValue, layerSource));
                    broker ??= (layerValue, layerSource, synonym.Factor);
                }
            }
            // Kafka lists the broker key whose static default applies last (for the time configs, the hours key).
            if (def.Synonyms is [.., var last]) synonyms.Add(new(last.Key.Name, last.Key.Default ?? def.Default, ConfigSourceId.DefaultConfig));

            string? value;
            sbyte source;
            if (own is not null)
            {
                value = own;
                source = ConfigSourceId.TopicConfig;
            }
            else if (broker is { } b)
            {
                // The broker's resolved value (e.g. retention.ms from log.retention.hours) when it keeps one.
                value = defaults.GetValueOrDefault(def.Name) ?? TopicConfigCatalog.ToTopicValue(b.Value, b.Factor) ?? b.Value;
                source = b.Source;
            }
            else
            {
                value = defaults.GetValueOrDefault(def.Name) ?? def.Default;
                source = ConfigSourceId.DefaultConfig;
            }
            result.Add(new(def.Name, value, source, (sbyte)def.Type, def.Documentation, synonyms, Sensitive: def.Sensitive));
        }
        return result;
    }

    /// <summary>
    /// Every broker key of the catalog: this node's dynamic value, else the cluster-wide dynamic default, else
    /// server.properties, else the running value or Kafka's default. Keys that cannot change at run time are read-only.
    /// Dynamic keys set at run time that the catalog does not define are reported too.
    /// </summary>
    public static IReadOnlyList<DescribedConfig> DescribeBroker(BrokerOptions options, DynamicBrokerConfigs? dynamic = null)
    {
        var result = new List<DescribedConfig>(BrokerConfigKeys.All.Count);
        foreach (var key in BrokerConfigKeys.All)
        {
            var synonyms = Layers(key.Name, options, dynamic).Select(l => new ConfigSynonym(key.Name, l.Value, l.Source)).ToList();
            string? value;
            sbyte source;
            if (synonyms.Count > 0)
            {
                value = synonyms[0].Value;
                source = synonyms[0].Source;
            }
            else
            {
                value = (key.Sensitive ? null : ServerProperties.Find(key.Name)?.Current(options)) ?? key.Default;
                source = ConfigSourceId.DefaultConfig;
            }
            if (key.Default is not null || source == ConfigSourceId.DefaultConfig)
            {
                synonyms.Add(new(key.Name, source == ConfigSourceId.DefaultConfig ? value : key.Default, ConfigSourceId.DefaultConfig));
            }
            if (key.Sensitive)
            {
                value = null;
                synonyms = synonyms.Select(s => s with { Value = null }).ToList();
            }
            result.Add(new(key.Name, value, source, (sbyte)key.Type, key.Documentation, synonyms, ReadOnly: !key.Dynamic, Sensitive: key.Sensitive));
        }
        if (dynamic is not null)
        {
            foreach (var name in dynamic.PerBroker.Keys.Concat(dynamic.ClusterDefault.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (IsBrokerKey(name)) continue;
                result.Add(DescribeDynamicOnly(name, options, dynamic));
            }
        }
        return result;
    }

    /// <summary>
    /// Every group config of <paramref name="groupId"/> (Kafka 4.0's GROUP resource): the group's own value (GROUP_CONFIG),
    /// else the broker's group.* setting it defaults to (DEFAULT_CONFIG), as Kafka reports them.
    /// </summary>
    public static IReadOnlyList<DescribedConfig> DescribeGroup(string groupId, GroupConfigStore groups)
    {
        var own = groups.Get(groupId);
        var result = new List<DescribedConfig>(GroupConfigKeys.All.Count);
        foreach (var def in GroupConfigKeys.All)
        {
            bool set = own.TryGetValue(def.Name, out var value);
            value ??= groups.DefaultOf(def);
            sbyte source = set ? ConfigSourceId.GroupConfig : ConfigSourceId.DefaultConfig;
            result.Add(new(def.Name, value, source, (sbyte)def.Type, def.Documentation, [new ConfigSynonym(def.Name, value, source)]));
        }
        return result;
    }

    /// <summary>The cluster-wide dynamic defaults (BROKER resource with an empty name): only those set, as Kafka reports them.</summary>
    public static IReadOnlyList<DescribedConfig> DescribeClusterDefault(DynamicBrokerConfigs? dynamic)
    {
        if (dynamic is null) return [];
        return dynamic.ClusterDefault.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new DescribedConfig(kv.Key, kv.Value,
            ConfigSourceId.DynamicDefaultBrokerConfig, BrokerKeyType(kv.Key), BrokerKeyDocumentation(kv.Key),
            [new ConfigSynonym(kv.Key, kv.Value, ConfigSourceId.DynamicDefaultBrokerConfig)])).ToList();
    }

    private static DescribedConfig DescribeDynamicOnly(string name, BrokerOptions options, DynamicBrokerConfigs dynamic)
    {
        var synonyms = Layers(name, options, dynamic).Select(l => new ConfigSynonym(name, l.Value, l.Source)).ToList();
        return new(name, synonyms[0].Value, synonyms[0].Source, BrokerKeyType(name), BrokerKeyDocumentation(name), synonyms);
    }

    private static sbyte BrokerKeyType(string key) => ConfigCatalog.Broker(key) is { } b ? (sbyte)b.Type : (sbyte)0;

    private static string BrokerKeyDocumentation(string key) => ConfigCatalog.Broker(key)?.Documentation ?? "";

    /// <summary>Where a broker key is set above Kafka's default, most specific first: this node, cluster default, server.properties.</summary>
    private static IEnumerable<(string Value, sbyte Source)> Layers(string key, BrokerOptions options, DynamicBrokerConfigs? dynamic)
    {
        if (dynamic is not null)
        {
            if (dynamic.PerBroker.TryGetValue(key, out var b)) yield return (b, ConfigSourceId.DynamicBrokerConfig);
            if (dynamic.ClusterDefault.TryGetValue(key, out var d)) yield return (d, ConfigSourceId.DynamicDefaultBrokerConfig);
        }
        if (options.RawConfig.TryGetValue(key, out var s)) yield return (s, ConfigSourceId.StaticBrokerConfig);
    }
}
