using B = Chronik.Coordination.Configs.Catalog.BrokerConfigKeys;

namespace Chronik.Coordination.Configs.Catalog;

/// <summary>
/// The group keys (ConfigResource GROUP, Kafka 4.0's GroupConfig): per-group overrides of the broker key each defaults
/// from. <see cref="ConfigKey.Default"/> is Kafka's; the running default is the broker key's value (<see cref="GroupConfigBounds"/>).
/// </summary>
public static class GroupConfigKeys
{
    public static readonly ConfigKey ConsumerHeartbeatIntervalMs = Int("consumer.heartbeat.interval.ms", B.GroupConsumerHeartbeatIntervalMs, 1,
        "The heartbeat interval given to the members of a consumer group.");
    public static readonly ConfigKey ConsumerSessionTimeoutMs = Int("consumer.session.timeout.ms", B.GroupConsumerSessionTimeoutMs, 1,
        "The timeout to detect client failures when using the consumer group protocol.");
    public static readonly ConfigKey ShareAutoOffsetReset = new ConfigKey("share.auto.offset.reset", ConfigType.String, "latest",
        "The strategy to initialize the share-partition start offset: latest, earliest or by_duration:<ISO-8601 duration>.")
        { Dynamic = true, Check = v => ShareGroups.ShareAutoOffsetReset.TryParse(v, out _) ? null : "String must be one of: latest, earliest, by_duration:<duration>" };
    public static readonly ConfigKey ShareDeliveryCountLimit = Int("share.delivery.count.limit", B.GroupShareDeliveryCountLimit, 2,
        "The maximum number of delivery attempts for a record delivered to a share group.") with { Max = 10 };
    public static readonly ConfigKey ShareHeartbeatIntervalMs = Int("share.heartbeat.interval.ms", B.GroupShareHeartbeatIntervalMs, 1,
        "The heartbeat interval given to the members of a share group.");
    public static readonly ConfigKey ShareIsolationLevel = new ConfigKey("share.isolation.level", ConfigType.String, "read_uncommitted",
        "Controls how to read records written transactionally: read_committed or read_uncommitted.")
        { Dynamic = true, ValidValues = ["read_committed", "read_uncommitted"] };
    public static readonly ConfigKey ShareRecordLockDurationMs = Int("share.record.lock.duration.ms", B.GroupShareRecordLockDurationMs, 1000,
        "The record acquisition lock duration in milliseconds for share groups.");
    public static readonly ConfigKey ShareSessionTimeoutMs = Int("share.session.timeout.ms", B.GroupShareSessionTimeoutMs, 1,
        "The timeout to detect client failures when using the share group protocol.");

    /// <summary>Every group key, ordered by name (as DescribeConfigs lists them).</summary>
    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        ConsumerHeartbeatIntervalMs, ConsumerSessionTimeoutMs, ShareAutoOffsetReset, ShareDeliveryCountLimit,
        ShareHeartbeatIntervalMs, ShareIsolationLevel, ShareRecordLockDurationMs, ShareSessionTimeoutMs,
    ];

    // The broker setting each timeout key defaults to while the broker runs (declared after the keys it names).
    private static readonly (ConfigKey Key, Func<GroupConfigBounds, int> Value)[] s_running =
    [
        (ConsumerHeartbeatIntervalMs, b => b.ConsumerHeartbeatIntervalMs),
        (ConsumerSessionTimeoutMs, b => b.ConsumerSessionTimeoutMs),
        (ShareDeliveryCountLimit, b => b.ShareDeliveryCountLimit),
        (ShareHeartbeatIntervalMs, b => b.ShareHeartbeatIntervalMs),
        (ShareRecordLockDurationMs, b => b.ShareRecordLockDurationMs),
        (ShareSessionTimeoutMs, b => b.ShareSessionTimeoutMs),
    ];

    /// <summary>The running default of a group key: the broker key it defaults from, as the broker runs with it; else Kafka's.</summary>
    public static string DefaultOf(ConfigKey key, GroupConfigBounds bounds) =>
        Array.Find(s_running, r => ReferenceEquals(r.Key, key)).Value is { } value
            ? value(bounds).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : key.Default ?? "";

    private static ConfigKey Int(string name, ConfigKey broker, long min, string doc) =>
        new(name, ConfigType.Int, broker.Default, doc) { Min = min, Dynamic = true, Synonyms = [new(broker)] };
}
