using System.Globalization;
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

/// <summary>A config as DescribeConfigs and CreateTopics (v5+) report it.</summary>
public sealed record DescribedConfig(string Name, string? Value, sbyte Source, sbyte Type, string Documentation, IReadOnlyList<ConfigSynonym> Synonyms, bool ReadOnly = false);

/// <summary>
/// Resolves the configs of a topic or of this broker the way Kafka reports them: the topic's own value,
/// else the broker's configured synonym (server.properties, as kept in <see cref="BrokerOptions.RawConfig"/>),
/// else Kafka's default.
/// </summary>
public static class ConfigDescriber
{
    /// <summary>Kafka's defaults for the topic configs in <see cref="TopicConfigCatalog"/>.</summary>
    private static readonly Dictionary<string, string> TopicDefaults = new(StringComparer.Ordinal)
    {
        ["cleanup.policy"] = "delete",
        ["compression.type"] = "producer",
        ["delete.retention.ms"] = "86400000",
        ["file.delete.delay.ms"] = "60000",
        ["flush.messages"] = "9223372036854775807",
        ["flush.ms"] = "9223372036854775807",
        ["index.interval.bytes"] = "4096",
        ["max.compaction.lag.ms"] = "9223372036854775807",
        ["max.message.bytes"] = "1048588",
        ["message.timestamp.after.max.ms"] = "3600000",
        ["message.timestamp.before.max.ms"] = "9223372036854775807",
        ["message.timestamp.type"] = "CreateTime",
        ["min.cleanable.dirty.ratio"] = "0.5",
        ["min.compaction.lag.ms"] = "0",
        ["min.insync.replicas"] = "1",
        ["preallocate"] = "false",
        ["retention.bytes"] = "-1",
        ["retention.ms"] = "604800000",
        ["segment.bytes"] = "1073741824",
        ["segment.index.bytes"] = "10485760",
        ["segment.jitter.ms"] = "0",
        ["segment.ms"] = "604800000",
        ["unclean.leader.election.enable"] = "false",
        ["message.downconversion.enable"] = "true",
        ["local.retention.ms"] = "-2",
        ["local.retention.bytes"] = "-2",
        ["remote.storage.enable"] = "false",
    };

    private sealed record BrokerKey(string Name, string Type, Func<BrokerOptions, string?> Value, string? KafkaDefault, string Documentation);

    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static readonly BrokerKey[] BrokerKeys =
    [
        new("advertised.listeners", "STRING", Configuration.ListenerProperties.FormatAdvertised, null, "Listeners clients are told to connect to, one per listener name."),
        new("client.telemetry.enable", "BOOLEAN", o => o.ClientTelemetryEnable ? "true" : "false", "false", "Advertise KIP-714 client telemetry; pushed metrics are dropped."),
        new("auto.create.topics.enable", "BOOLEAN", o => o.AutoCreateTopicsEnable ? "true" : "false", "true", "Create a topic when a client asks for metadata of an unknown one."),
        new("broker.id", "INT", o => S(o.NodeId), "-1", "The id of this broker (equal to node.id)."),
        new("compression.type", "STRING", _ => null, "producer", "Default compression type of topics."),
        new("connections.max.reauth.ms", "LONG", o => S(o.Security.ConnectionsMaxReauthMs), "0", "Longest a SASL session lasts before the client must re-authenticate (KIP-368); 0 never expires."),
        new("default.replication.factor", "INT", o => S(o.DefaultReplicationFactor), "1", "Replication factor of automatically created topics."),
        new("delete.topic.enable", "BOOLEAN", _ => "true", "true", "Topics can be deleted."),
        new("group.consumer.heartbeat.interval.ms", "INT", o => S(o.GroupConsumerHeartbeatIntervalMs), "5000", "Heartbeat interval given to consumer group (KIP-848) members; the default of the group config consumer.heartbeat.interval.ms."),
        new("group.consumer.max.heartbeat.interval.ms", "INT", o => S(o.GroupConsumerMaxHeartbeatIntervalMs), "15000", "Largest consumer.heartbeat.interval.ms a group may be configured with."),
        new("group.consumer.max.session.timeout.ms", "INT", o => S(o.GroupConsumerMaxSessionTimeoutMs), "60000", "Largest consumer.session.timeout.ms a group may be configured with."),
        new("group.consumer.min.heartbeat.interval.ms", "INT", o => S(o.GroupConsumerMinHeartbeatIntervalMs), "5000", "Smallest consumer.heartbeat.interval.ms a group may be configured with."),
        new("group.consumer.min.session.timeout.ms", "INT", o => S(o.GroupConsumerMinSessionTimeoutMs), "45000", "Smallest consumer.session.timeout.ms a group may be configured with."),
        new("group.consumer.session.timeout.ms", "INT", o => S(o.GroupConsumerSessionTimeoutMs), "45000", "Session timeout of consumer group (KIP-848) members; the default of the group config consumer.session.timeout.ms."),
        new("group.initial.rebalance.delay.ms", "INT", o => S(o.GroupInitialRebalanceDelayMs), "3000", "Delay before the first rebalance of a new group."),
        new("listeners", "STRING", Configuration.ListenerProperties.FormatListeners, "PLAINTEXT://:9092", "The listeners this broker accepts connections on, each with its own security protocol."),
        new("log.cleanup.policy", "LIST", _ => null, "delete", "Default cleanup policy of topics."),
        new("log.dirs", "STRING", o => Path.GetFullPath(o.DataDir), null, "Directory the log data is kept in."),
        new("log.flush.interval.messages", "LONG", o => o.LogFlushIntervalMessages is { } v ? S(v) : null, "9223372036854775807", "Messages between fsyncs; unset means fsync before every acknowledgement."),
        new("log.flush.interval.ms", "LONG", o => o.LogFlushIntervalMs is { } v ? S(v) : null, null, "Longest time between fsyncs; unset means fsync before every acknowledgement."),
        new("log.message.timestamp.type", "STRING", o => o.LogMessageTimestampType, "CreateTime", "Default timestamp type of topics."),
        new("log.retention.bytes", "LONG", o => S(o.LogRetentionBytes), "-1", "Largest partition size before old segments are deleted."),
        new("log.retention.check.interval.ms", "LONG", o => S(o.LogRetentionCheckIntervalMs), "300000", "How often retention is applied."),
        new("log.retention.ms", "LONG", o => S(o.LogRetentionMs), null, "Longest time a segment is kept."),
        new("log.roll.ms", "LONG", o => S(o.LogRollMs), null, "Time after which a segment is rolled."),
        new("log.segment.bytes", "INT", o => S(o.LogSegmentBytes), "1073741824", "Segment file size."),
        new("log.max.open.segment.files", "INT", o => S(o.LogMaxOpenSegmentFiles), "0", "Segment files kept open at once; 0 is half the open-files soft limit."),
        new("max.broker.partitions", "INT", o => S(o.MaxBrokerPartitions), null, "Partitions the broker may hold in total; creating more is POLICY_VIOLATION."),
        new("max.partitions.per.request", "INT", o => S(o.MaxPartitionsPerRequest), null, "Partitions one CreateTopics or CreatePartitions request may add in total."),
        new("message.max.bytes", "INT", o => S(o.MessageMaxBytes), "1048588", "Largest record batch size allowed."),
        new("min.insync.replicas", "INT", _ => null, "1", "Replicas that must acknowledge acks=all writes."),
        new("node.id", "INT", o => S(o.NodeId), "-1", "The id of this node."),
        new("num.partitions", "INT", o => S(o.NumPartitions), "1", "Partition count of automatically created topics."),
        new("offsets.retention.minutes", "INT", o => S(o.OffsetsRetentionMinutes), "10080", "How long committed offsets of empty groups are kept."),
        new("socket.request.max.bytes", "INT", o => S(o.SocketRequestMaxBytes), "104857600", "Largest request accepted."),
        new("transaction.max.timeout.ms", "INT", o => S(o.TransactionMaxTimeoutMs), "900000", "Largest transaction timeout a producer may ask for."),
    ];

    private static readonly HashSet<string> BrokerKeyNames = BrokerKeys.Select(k => k.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Kafka's ConfigType ids: BOOLEAN=1 STRING=2 INT=3 SHORT=4 LONG=5 DOUBLE=6 LIST=7 CLASS=8 PASSWORD=9.</summary>
    public static sbyte TypeId(string type) => type switch
    {
        "BOOLEAN" => 1,
        "STRING" => 2,
        "INT" => 3,
        "SHORT" => 4,
        "LONG" => 5,
        "DOUBLE" => 6,
        "LIST" => 7,
        "CLASS" => 8,
        "PASSWORD" => 9,
        _ => 0,
    };

    /// <summary>True when <paramref name="key"/> is a broker config this broker reports.</summary>
    public static bool IsBrokerKey(string key) => BrokerKeyNames.Contains(key);

    /// <summary>Kafka's own default of a topic config (what APPEND starts from when the topic does not set it).</summary>
    public static string? KafkaTopicDefault(string name) => TopicDefaults.GetValueOrDefault(name);

    /// <summary>Kafka's own default of a dynamic broker key (the default of the topic config it stands for, in its unit).</summary>
    public static string? KafkaBrokerDefault(string key) =>
        BrokerKeys.FirstOrDefault(k => k.Name == key)?.KafkaDefault
        ?? (TopicConfigCatalog.FindByBrokerKey(key) is { Factor: 1 } x ? TopicDefaults.GetValueOrDefault(x.Def.Name) : null);

    /// <summary>
    /// Every catalog config of <paramref name="topic"/> with its effective value and source: the topic's own
    /// (DYNAMIC_TOPIC_CONFIG), else per broker synonym in precedence order this node's dynamic value, the cluster-wide
    /// dynamic default, server.properties; else Kafka's default.
    /// </summary>
    public static IReadOnlyList<DescribedConfig> DescribeTopic(TopicInfo topic, TopicManager topics, BrokerOptions options, DynamicBrokerConfigs? dynamic = null)
    {
        var result = new List<DescribedConfig>(TopicConfigCatalog.All.Count);
        var defaults = topics.Defaults.TopicConfigDefaults;
        foreach (var def in TopicConfigCatalog.All)
        {
            var synonyms = new List<ConfigSynonym>(3);
            if (topic.Configs.TryGetValue(def.Name, out var own)) synonyms.Add(new(def.Name, own, ConfigSourceId.TopicConfig));
            (string Value, sbyte Source, long Factor)? broker = null;
            foreach (var (key, factor) in TopicConfigCatalog.BrokerSynonymsOf(def))
            {
                foreach (var (layerValue, layerSource) in Layers(key, options, dynamic))
                {
                    synonyms.Add(new(key, layerValue, layerSource));
                    broker ??= (layerValue, layerSource, factor);
                }
            }
            string? kafkaDefault = TopicDefaults.GetValueOrDefault(def.Name);
            if (def.BrokerSynonym is not null) synonyms.Add(DefaultSynonym(def, kafkaDefault));

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
                value = defaults.GetValueOrDefault(def.Name) ?? kafkaDefault;
                source = ConfigSourceId.DefaultConfig;
            }
            result.Add(new(def.Name, value, source, TypeId(def.Type), def.Documentation, synonyms));
        }
        return result;
    }

    /// <summary>
    /// The broker configs this broker reports: this node's dynamic value, else the cluster-wide dynamic default, else
    /// server.properties, else the running value or Kafka's default. Keys that cannot change at run time are read-only.
    /// Dynamic keys set at run time that are not in the usual list are reported too.
    /// </summary>
    public static IReadOnlyList<DescribedConfig> DescribeBroker(BrokerOptions options, DynamicBrokerConfigs? dynamic = null)
    {
        var result = new List<DescribedConfig>(BrokerKeys.Length);
        foreach (var key in BrokerKeys)
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
                value = key.Value(options) ?? key.KafkaDefault;
                source = ConfigSourceId.DefaultConfig;
            }
            if (key.KafkaDefault is not null || source == ConfigSourceId.DefaultConfig)
            {
                synonyms.Add(new(key.Name, source == ConfigSourceId.DefaultConfig ? value : key.KafkaDefault, ConfigSourceId.DefaultConfig));
            }
            result.Add(new(key.Name, value, source, TypeId(key.Type), key.Documentation, synonyms, ReadOnly: !DynamicBrokerConfigs.IsDynamic(key.Name)));
        }
        if (dynamic is not null)
        {
            foreach (var name in dynamic.PerBroker.Keys.Concat(dynamic.ClusterDefault.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (BrokerKeyNames.Contains(name)) continue;
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
        var result = new List<DescribedConfig>(GroupConfigStore.All.Count);
        foreach (var def in GroupConfigStore.All)
        {
            bool set = own.TryGetValue(def.Name, out var value);
            value ??= def.Default(groups.Bounds);
            sbyte source = set ? ConfigSourceId.GroupConfig : ConfigSourceId.DefaultConfig;
            result.Add(new(def.Name, value, source, TypeId(def.Type), def.Documentation, [new ConfigSynonym(def.Name, value, source)]));
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

    private static sbyte BrokerKeyType(string key) =>
        BrokerKeys.FirstOrDefault(k => k.Name == key) is { } b ? TypeId(b.Type)
        : TopicConfigCatalog.FindByBrokerKey(key) is { } x ? TypeId(x.Factor == 1 ? x.Def.Type : "LONG") : (sbyte)0;

    private static string BrokerKeyDocumentation(string key) =>
        BrokerKeys.FirstOrDefault(k => k.Name == key)?.Documentation
        ?? (TopicConfigCatalog.FindByBrokerKey(key) is { } x ? $"Broker default of the topic config {x.Def.Name}: {x.Def.Documentation}" : "");

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

    // Kafka lists the broker key whose static default applies last; for the time configs that is the hours key.
    private static ConfigSynonym DefaultSynonym(TopicConfigDef def, string? kafkaDefault) => def.Name switch
    {
        "retention.ms" => new("log.retention.hours", "168", ConfigSourceId.DefaultConfig),
        "segment.ms" => new("log.roll.hours", "168", ConfigSourceId.DefaultConfig),
        _ => new(def.BrokerSynonym!, kafkaDefault, ConfigSourceId.DefaultConfig),
    };
}
