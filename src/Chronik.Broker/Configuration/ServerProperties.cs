using System.Globalization;
using Chronik.Broker;
using Chronik.Coordination.Configs.Catalog;
using K = Chronik.Coordination.Configs.Catalog.BrokerConfigKeys;

namespace Chronik.Broker.Configuration;

/// <summary>
/// How server.properties applies the catalog's broker keys (<see cref="BrokerConfigKeys"/>) to <see cref="BrokerOptions"/>,
/// in the catalog's precedence order. A catalog key without an entry here is validated by its definition and kept in
/// <see cref="BrokerOptions.RawConfig"/> (the keys topics default from are read there).
/// </summary>
public static class ServerProperties
{
    private const long MsPerMinute = 60_000;
    private const long MsPerHour = 60 * MsPerMinute;

    private static readonly ServerProperty[] s_appliers =
    [
        new(K.LogDir, o => o.DataDir, (s, v) => s.Options.DataDir = ConfigValues.NonEmpty(v)),
        new(K.LogDirs, o => Path.GetFullPath(o.DataDir), (s, v) => s.Options.DataDir = ConfigValues.FirstDirectory(v)),
        .. SecurityProperties.BeforeListeners,
        new(K.ControllerListenerNames, _ => "CONTROLLER", ListenerProperties.ApplyControllerNames),
        new(K.Listeners, ListenerProperties.FormatListeners, ListenerProperties.ApplyListeners),
        new(K.AdvertisedListeners, ListenerProperties.FormatAdvertised, ListenerProperties.ApplyAdvertisedListeners),
        .. SecurityProperties.Others,
        Int(K.BrokerId, o => o.NodeId, (o, x) => o.NodeId = x),
        Int(K.NodeId, o => o.NodeId, (o, x) => o.NodeId = x),
        new(K.BrokerRack, o => o.BrokerRack, (s, v) => s.Options.BrokerRack = ConfigValues.NonEmpty(v)),
        new(K.MetadataUrl, o => o.MetadataUrl, (s, v) => s.Options.MetadataUrl = ConfigValues.NonEmpty(v)),
        new(K.ObjectStoreUrl, o => o.ObjectStoreUrl, (s, v) => s.Options.ObjectStoreUrl = ConfigValues.NonEmpty(v)),
        Int(K.BrokerSessionTimeoutMs, o => o.BrokerSessionTimeoutMs, (o, x) => o.BrokerSessionTimeoutMs = x),
        Int(K.BrokerHeartbeatIntervalMs, o => o.BrokerHeartbeatIntervalMs, (o, x) => o.BrokerHeartbeatIntervalMs = x),
        Int(K.ProduceCommitIntervalMs, o => o.ProduceCommitIntervalMs, (o, x) => o.ProduceCommitIntervalMs = x),
        Long(K.ProduceBufferMaxBytes, o => o.ProduceBufferMaxBytes, (o, x) => o.ProduceBufferMaxBytes = x),
        Int(K.NumPartitions, o => o.NumPartitions, (o, x) => o.NumPartitions = x),
        new(K.DefaultReplicationFactor, o => Text(o.DefaultReplicationFactor),
            (s, v) => s.Options.DefaultReplicationFactor = ConfigValues.Short(v, K.DefaultReplicationFactor)),
        Bool(K.AutoCreateTopicsEnable, o => o.AutoCreateTopicsEnable, (o, x) => o.AutoCreateTopicsEnable = x),
        Int(K.MaxPartitionsPerRequest, o => o.MaxPartitionsPerRequest, (o, x) => o.MaxPartitionsPerRequest = x),
        Int(K.MaxBrokerPartitions, o => o.MaxBrokerPartitions, (o, x) => o.MaxBrokerPartitions = x),
        Int(K.LogMaxOpenSegmentFiles, o => o.LogMaxOpenSegmentFiles, (o, x) => o.LogMaxOpenSegmentFiles = x),
        new(K.LogSegmentBytes, o => Text(o.LogSegmentBytes), (s, v) => s.Options.LogSegmentBytes = ConfigValues.Int(v, K.LogSegmentBytes)),
        Scaled(K.LogRollHours, MsPerHour, o => o.LogRollMs, (o, x) => o.LogRollMs = x),
        Long(K.LogRollMs, o => o.LogRollMs, (o, x) => o.LogRollMs = x),
        Scaled(K.LogRetentionHours, MsPerHour, o => o.LogRetentionMs, (o, x) => o.LogRetentionMs = x),
        Scaled(K.LogRetentionMinutes, MsPerMinute, o => o.LogRetentionMs, (o, x) => o.LogRetentionMs = x),
        Long(K.LogRetentionMs, o => o.LogRetentionMs, (o, x) => o.LogRetentionMs = x),
        Long(K.LogRetentionBytes, o => o.LogRetentionBytes, (o, x) => o.LogRetentionBytes = x),
        Long(K.LogRetentionCheckIntervalMs, o => o.LogRetentionCheckIntervalMs, (o, x) => o.LogRetentionCheckIntervalMs = x),
        Int(K.MessageMaxBytes, o => o.MessageMaxBytes, (o, x) => o.MessageMaxBytes = x),
        new(K.LogFlushIntervalMessages, o => Optional(o.LogFlushIntervalMessages),
            (s, v) => s.Options.LogFlushIntervalMessages = ConfigValues.Long(v, K.LogFlushIntervalMessages)),
        new(K.LogFlushIntervalMs, o => Optional(o.LogFlushIntervalMs),
            (s, v) => s.Options.LogFlushIntervalMs = ConfigValues.Long(v, K.LogFlushIntervalMs)),
        new(K.LogMessageTimestampType, o => o.LogMessageTimestampType, (s, v) => s.Options.LogMessageTimestampType = ConfigValues.TimestampType(v)),
        Int(K.SocketRequestMaxBytes, o => o.SocketRequestMaxBytes, (o, x) => o.SocketRequestMaxBytes = x),
        Int(K.GroupInitialRebalanceDelayMs, o => o.GroupInitialRebalanceDelayMs, (o, x) => o.GroupInitialRebalanceDelayMs = x),
        Int(K.OffsetsRetentionMinutes, o => o.OffsetsRetentionMinutes, (o, x) => o.OffsetsRetentionMinutes = x),
        Long(K.OffsetsRetentionCheckIntervalMs, o => o.OffsetsRetentionCheckIntervalMs, (o, x) => o.OffsetsRetentionCheckIntervalMs = x),
        Int(K.OffsetMetadataMaxBytes, o => o.OffsetMetadataMaxBytes, (o, x) => o.OffsetMetadataMaxBytes = x),
        Int(K.GroupMinSessionTimeoutMs, o => o.GroupMinSessionTimeoutMs, (o, x) => o.GroupMinSessionTimeoutMs = x),
        Int(K.GroupMaxSessionTimeoutMs, o => o.GroupMaxSessionTimeoutMs, (o, x) => o.GroupMaxSessionTimeoutMs = x),
        Int(K.GroupMaxSize, o => o.GroupMaxSize, (o, x) => o.GroupMaxSize = x),
        Int(K.GroupConsumerHeartbeatIntervalMs, o => o.GroupConsumerHeartbeatIntervalMs, (o, x) => o.GroupConsumerHeartbeatIntervalMs = x),
        Int(K.GroupConsumerSessionTimeoutMs, o => o.GroupConsumerSessionTimeoutMs, (o, x) => o.GroupConsumerSessionTimeoutMs = x),
        Int(K.GroupConsumerMinSessionTimeoutMs, o => o.GroupConsumerMinSessionTimeoutMs, (o, x) => o.GroupConsumerMinSessionTimeoutMs = x),
        Int(K.GroupConsumerMaxSessionTimeoutMs, o => o.GroupConsumerMaxSessionTimeoutMs, (o, x) => o.GroupConsumerMaxSessionTimeoutMs = x),
        Int(K.GroupConsumerMinHeartbeatIntervalMs, o => o.GroupConsumerMinHeartbeatIntervalMs, (o, x) => o.GroupConsumerMinHeartbeatIntervalMs = x),
        Int(K.GroupConsumerMaxHeartbeatIntervalMs, o => o.GroupConsumerMaxHeartbeatIntervalMs, (o, x) => o.GroupConsumerMaxHeartbeatIntervalMs = x),
        Int(K.GroupShareMaxSize, o => o.GroupShareMaxSize, (o, x) => o.GroupShareMaxSize = x),
        Int(K.GroupShareDeliveryCountLimit, o => o.GroupShareDeliveryCountLimit, (o, x) => o.GroupShareDeliveryCountLimit = x),
        Int(K.GroupShareRecordLockDurationMs, o => o.GroupShareRecordLockDurationMs, (o, x) => o.GroupShareRecordLockDurationMs = x),
        Int(K.GroupShareSessionTimeoutMs, o => o.GroupShareSessionTimeoutMs, (o, x) => o.GroupShareSessionTimeoutMs = x),
        Int(K.GroupShareHeartbeatIntervalMs, o => o.GroupShareHeartbeatIntervalMs, (o, x) => o.GroupShareHeartbeatIntervalMs = x),
        Int(K.TransactionMaxTimeoutMs, o => o.TransactionMaxTimeoutMs, (o, x) => o.TransactionMaxTimeoutMs = x),
        Int(K.QuotaWindowNum, o => o.QuotaWindowNum, (o, x) => o.QuotaWindowNum = x),
        Int(K.QuotaWindowSizeSeconds, o => o.QuotaWindowSizeSeconds, (o, x) => o.QuotaWindowSizeSeconds = x),
        Long(K.ProducerIdExpirationMs, o => o.ProducerIdExpirationMs, (o, x) => o.ProducerIdExpirationMs = x),
        Long(K.ProducerIdExpirationCheckIntervalMs, o => o.ProducerIdExpirationCheckIntervalMs, (o, x) => o.ProducerIdExpirationCheckIntervalMs = x),
        Long(K.TransactionalIdExpirationMs, o => o.TransactionalIdExpirationMs, (o, x) => o.TransactionalIdExpirationMs = x),
        new(K.AuthorizerClassName, o => o.AuthorizerClassName.Length == 0 ? null : o.AuthorizerClassName, (s, v) => s.Options.AuthorizerClassName = v.Trim()),
        Bool(K.AllowEveryoneIfNoAclFound, o => o.AllowEveryoneIfNoAclFound, (o, x) => o.AllowEveryoneIfNoAclFound = x),
        new(K.SuperUsers, o => o.SuperUsers.Length == 0 ? null : o.SuperUsers, (s, v) => s.Options.SuperUsers = SuperUsers(v)),
        Bool(K.ClientTelemetryEnable, o => o.ClientTelemetryEnable, (o, x) => o.ClientTelemetryEnable = x),
        Bool(K.SchemaRegistryEnable, o => o.SchemaRegistryEnabled, (o, x) => o.SchemaRegistryEnabled = x),
        Int(K.SchemaRegistryPort, o => o.SchemaRegistryPort, (o, x) => o.SchemaRegistryPort = x),
        Int(K.MaxConnections, o => o.MaxConnections, (o, x) => o.MaxConnections = x),
        Int(K.NumIoThreads, o => o.IoThreads, (o, x) => o.IoThreads = x),
    ];

    private static readonly Dictionary<string, ServerProperty> s_byKey = s_appliers.ToDictionary(p => p.Key, StringComparer.Ordinal);

    /// <summary>
    /// Every broker key of the catalog in precedence order (a later key overrides an earlier one): its applier, or one
    /// that only checks the value against the definition (the value is kept in <see cref="BrokerOptions.RawConfig"/>).
    /// </summary>
    public static IReadOnlyList<ServerProperty> All { get; } = BrokerConfigKeys.All.Select(k => s_byKey.GetValueOrDefault(k.Name) ?? Checked(k)).ToList();

    private static readonly Dictionary<string, ServerProperty> s_all = All.ToDictionary(p => p.Key, StringComparer.Ordinal);

    /// <summary>True when the key is applied to <see cref="BrokerOptions"/> (not only checked and kept).</summary>
    public static bool IsApplied(string key) => s_byKey.ContainsKey(key);

    public static ServerProperty? Find(string key) => s_all.GetValueOrDefault(key) ?? SecurityProperties.FindPrefixed(key);

    private static ServerProperty Checked(ConfigKey key) => new(key, _ => null, (_, v) =>
    {
        if (key.Reason(v.Trim()) is { } why) throw new ConfigValueException($"a valid value ({why})");
    });

    private static ServerProperty Int(ConfigKey key, Func<BrokerOptions, int> get, Action<BrokerOptions, int> set) =>
        new(key, o => Text(get(o)), (s, v) => set(s.Options, ConfigValues.Int(v, key)));

    private static ServerProperty Long(ConfigKey key, Func<BrokerOptions, long> get, Action<BrokerOptions, long> set) =>
        new(key, o => Text(get(o)), (s, v) => set(s.Options, ConfigValues.Long(v, key)));

    // A key in hours or minutes for an option kept in milliseconds.
    private static ServerProperty Scaled(ConfigKey key, long unitMs, Func<BrokerOptions, long> getMs, Action<BrokerOptions, long> setMs) =>
        new(key, o => Text(getMs(o) / unitMs), (s, v) => setMs(s.Options, ConfigValues.ScaledMs(v, key, unitMs)));

    private static ServerProperty Bool(ConfigKey key, Func<BrokerOptions, bool> get, Action<BrokerOptions, bool> set) =>
        new(key, o => get(o) ? "true" : "false", (s, v) => set(s.Options, ConfigValues.Bool(v)));

    private static string SuperUsers(string value)
    {
        try
        {
            Chronik.Broker.Security.AclRequestAuthorizer.ValidateSuperUsers(value);
        }
        catch (ArgumentException e)
        {
            throw new ConfigValueException(e.Message);
        }
        return value.Trim();
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Optional(long? value) => value is { } v ? Text(v) : null;
}
