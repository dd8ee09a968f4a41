using System.Globalization;
using System.Text.Json;
using Chronik.Coordination.Configs.Catalog;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Configs;

/// <summary>The per-group timeouts the KIP-848 coordinator asks for (null: the broker's group.consumer.* default).</summary>
public interface IGroupConfigSource
{
    /// <summary>consumer.session.timeout.ms set on <paramref name="groupId"/>, or null.</summary>
    int? ConsumerSessionTimeoutMs(string groupId);

    /// <summary>consumer.heartbeat.interval.ms set on <paramref name="groupId"/>, or null.</summary>
    int? ConsumerHeartbeatIntervalMs(string groupId);
}

/// <summary>The broker settings group configs default to and are bounded by (group.consumer.* and group.share.*).</summary>
public sealed record GroupConfigBounds
{
    public int ConsumerSessionTimeoutMs { get; init; } = 45_000;
    public int ConsumerMinSessionTimeoutMs { get; init; } = 45_000;
    public int ConsumerMaxSessionTimeoutMs { get; init; } = 60_000;
    public int ConsumerHeartbeatIntervalMs { get; init; } = 5_000;
    public int ConsumerMinHeartbeatIntervalMs { get; init; } = 5_000;
    public int ConsumerMaxHeartbeatIntervalMs { get; init; } = 15_000;
    public int ShareSessionTimeoutMs { get; init; } = 45_000;
    public int ShareMinSessionTimeoutMs { get; init; } = 45_000;
    public int ShareMaxSessionTimeoutMs { get; init; } = 60_000;
    public int ShareHeartbeatIntervalMs { get; init; } = 5_000;
    public int ShareMinHeartbeatIntervalMs { get; init; } = 5_000;
    public int ShareMaxHeartbeatIntervalMs { get; init; } = 15_000;
    public int ShareRecordLockDurationMs { get; init; } = 30_000;
    public int ShareMinRecordLockDurationMs { get; init; } = 15_000;
    public int ShareMaxRecordLockDurationMs { get; init; } = 60_000;
    public int ShareDeliveryCountLimit { get; init; } = 5;
}

/// <summary>
/// Dynamic configs of consumer groups (ConfigResource type GROUP, Kafka 4.0's GroupConfig): per-group overrides of the
/// broker's group.consumer.* (and group.share.*) settings, validated against the broker's min/max bounds, on the
/// metadata store as ConfigRecords of resource type GROUP (a group-configs.json of the JSON era is imported once).
/// Reads are lock-free (the table is replaced whole on change); changes are serialized by one lock. A group need not
/// exist to be configured, as in Kafka.
/// </summary>
public sealed class GroupConfigStore : IGroupConfigSource
{
    public static readonly string ConsumerSessionTimeout = GroupConfigKeys.ConsumerSessionTimeoutMs.Name;
    public static readonly string ConsumerHeartbeatInterval = GroupConfigKeys.ConsumerHeartbeatIntervalMs.Name;
    public static readonly string ShareSessionTimeout = GroupConfigKeys.ShareSessionTimeoutMs.Name;
    public static readonly string ShareHeartbeatInterval = GroupConfigKeys.ShareHeartbeatIntervalMs.Name;
    public static readonly string ShareRecordLockDuration = GroupConfigKeys.ShareRecordLockDurationMs.Name;
    public static readonly string ShareAutoOffsetReset = GroupConfigKeys.ShareAutoOffsetReset.Name;
    public static readonly string ShareIsolationLevel = GroupConfigKeys.ShareIsolationLevel.Name;
    public static readonly string ShareDeliveryCountLimit = GroupConfigKeys.ShareDeliveryCountLimit.Name;

    public const string LegacyFileName = "group-configs.json";

    /// <summary>Kafka's ConfigResource.Type.GROUP.</summary>
    public const sbyte GroupResourceType = 32;

    private readonly object _lock = new();
    private readonly ConfigResourceTable _groups;

    /// <param name="bounds">The broker settings group configs default to and are bounded by.</param>
    /// <param name="store">The metadata store this holder replays from and appends to.</param>
    /// <param name="legacyDataDir">The data directory whose group-configs.json is imported once; null for none.</param>
    public GroupConfigStore(GroupConfigBounds bounds, IMetadataStore store, string? legacyDataDir = null)
    {
        Bounds = bounds;
        _groups = new ConfigResourceTable(store, GroupResourceType);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _groups.ReplayedAny, ReadLegacy);
    }

    /// <summary>The broker settings group configs default to.</summary>
    public GroupConfigBounds Bounds { get; }

    /// <summary>Every group config key, ordered by name (the catalog's).</summary>
    public static IReadOnlyList<ConfigKey> All => GroupConfigKeys.All;

    /// <summary>The key named <paramref name="name"/>, or null when it is not a group config.</summary>
    public static ConfigKey? Find(string name) => ConfigCatalog.Group(name);

    /// <summary>The value <paramref name="key"/> has on a group that does not set it (the broker's setting it defaults from).</summary>
    public string DefaultOf(ConfigKey key) => GroupConfigKeys.DefaultOf(key, Bounds);

    /// <summary>The overrides set on <paramref name="groupId"/> (empty when none).</summary>
    public IReadOnlyDictionary<string, string> Get(string groupId) => _groups.Get(groupId);

    /// <summary>The groups with at least one override (a snapshot: the table is replaced whole on change).</summary>
    public IReadOnlyCollection<string> ConfiguredGroups => _groups.Resources.Keys.ToList();

    public int? ConsumerSessionTimeoutMs(string groupId) => IntOf(groupId, ConsumerSessionTimeout);

    public int? ConsumerHeartbeatIntervalMs(string groupId) => IntOf(groupId, ConsumerHeartbeatInterval);

    private int? IntOf(string groupId, string key) =>
        _groups.Get(groupId).TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : null;

    /// <summary>Null when <paramref name="name"/> is a group config, else Kafka's message.</summary>
    public static string? ValidateName(string name) => Find(name) is null ? $"Unknown group config name: {name}" : null;

    /// <summary>Null when <paramref name="value"/> parses for <paramref name="name"/> (type, bounds, valid values), else why.</summary>
    public static string? ValidateValue(string name, string? value)
    {
        if (Find(name) is not { } key) return $"Unknown group config name: {name}";
        if (value is null) return $"Null value not supported for group configs: {name}";
        return key.Validate(value);
    }

    /// <summary>
    /// Kafka's cross-checks on the group's overrides over the broker defaults: each timeout within the broker's
    /// min/max, and the session timeout above the heartbeat interval. Null when valid.
    /// </summary>
    public string? ValidateCombined(IReadOnlyDictionary<string, string> overrides)
    {
        int Value(string key) => overrides.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : int.Parse(DefaultOf(Find(key)!), CultureInfo.InvariantCulture);
        var b = Bounds;
        int chb = Value(ConsumerHeartbeatInterval), cst = Value(ConsumerSessionTimeout);
        int shb = Value(ShareHeartbeatInterval), sst = Value(ShareSessionTimeout), lck = Value(ShareRecordLockDuration);
        return Range(ConsumerHeartbeatInterval, chb, b.ConsumerMinHeartbeatIntervalMs, BrokerConfigKeys.GroupConsumerMinHeartbeatIntervalMs.Name, b.ConsumerMaxHeartbeatIntervalMs, BrokerConfigKeys.GroupConsumerMaxHeartbeatIntervalMs.Name)
            ?? Range(ConsumerSessionTimeout, cst, b.ConsumerMinSessionTimeoutMs, BrokerConfigKeys.GroupConsumerMinSessionTimeoutMs.Name, b.ConsumerMaxSessionTimeoutMs, BrokerConfigKeys.GroupConsumerMaxSessionTimeoutMs.Name)
            ?? Range(ShareHeartbeatInterval, shb, b.ShareMinHeartbeatIntervalMs, "group.share.min.heartbeat.interval.ms", b.ShareMaxHeartbeatIntervalMs, "group.share.max.heartbeat.interval.ms")
            ?? Range(ShareSessionTimeout, sst, b.ShareMinSessionTimeoutMs, "group.share.min.session.timeout.ms", b.ShareMaxSessionTimeoutMs, "group.share.max.session.timeout.ms")
            ?? Range(ShareRecordLockDuration, lck, b.ShareMinRecordLockDurationMs, "group.share.min.record.lock.duration.ms", b.ShareMaxRecordLockDurationMs, "group.share.max.record.lock.duration.ms")
            ?? (cst <= chb ? $"{ConsumerSessionTimeout} must be greater than {ConsumerHeartbeatInterval}" : null)
            ?? (sst <= shb ? $"{ShareSessionTimeout} must be greater than {ShareHeartbeatInterval}" : null);

        static string? Range(string key, int v, int min, string minKey, int max, string maxKey) =>
            v < min ? $"{key} must be greater than or equal to {minKey}"
            : v > max ? $"{key} must be less than or equal to {maxKey}"
            : null;
    }

    /// <summary>
    /// Changes the overrides of <paramref name="groupId"/>: <paramref name="change"/> edits a copy and returns an error
    /// or None; the result is then checked as a whole (INVALID_CONFIG) and, unless <paramref name="validateOnly"/>,
    /// persisted and in effect at once (the coordinator reads it at the group's next heartbeat).
    /// </summary>
    public (ErrorCode Error, string? Message) Alter(string groupId, Func<Dictionary<string, string>, (ErrorCode Error, string? Message)> change, bool validateOnly)
    {
        lock (_lock)
        {
            var copy = new Dictionary<string, string>(_groups.Get(groupId), StringComparer.Ordinal);
            var result = change(copy);
            if (result.Error != ErrorCode.None) return result;
            foreach (var (k, v) in copy)
            {
                if (ValidateValue(k, v) is { } bad) return (ErrorCode.InvalidConfig, bad);
            }
            if (ValidateCombined(copy) is { } why) return (ErrorCode.InvalidConfig, why);
            if (validateOnly) return result;
            _groups.Set(groupId, copy);
            return result;
        }
    }

    /// <summary>group-configs.json as the JSON era wrote it (read at migration only).</summary>
    private sealed record Persisted(Dictionary<string, Dictionary<string, string>> Groups);

    private static IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var p = JsonSerializer.Deserialize<Persisted>(File.ReadAllText(file));
        return (p?.Groups ?? []).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => ConfigResourceTable.RecordsOf(GroupResourceType, g.Key, g.Value)).ToList();
    }
}
