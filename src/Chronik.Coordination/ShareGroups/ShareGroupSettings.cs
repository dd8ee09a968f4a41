using System.Globalization;
using Chronik.Coordination.Configs;

namespace Chronik.Coordination.ShareGroups;

/// <summary>share.isolation.level: how far a share fetch reads (the high watermark, or the last stable offset).</summary>
public enum ShareIsolationLevel
{
    ReadUncommitted,
    ReadCommitted,
}

/// <summary>
/// The settings of one share group: its group configs (share.*) where set, else the broker's group.share.*
/// defaults. One place resolves them so that membership and share partitions agree.
/// </summary>
public sealed record ShareGroupSettings
{
    public int SessionTimeoutMs { get; init; } = 45_000;
    public int HeartbeatIntervalMs { get; init; } = 5_000;
    public ShareAutoOffsetReset AutoOffsetReset { get; init; } = ShareAutoOffsetReset.Latest;
    public ShareIsolationLevel IsolationLevel { get; init; } = ShareIsolationLevel.ReadUncommitted;
    public SharePartitionConfig Partition { get; init; } = new();

    public static readonly string IsolationLevelConfig = GroupConfigStore.ShareIsolationLevel;
    public static readonly string DeliveryCountLimitConfig = GroupConfigStore.ShareDeliveryCountLimit;
    public const string MaxRecordLocksConfig = "share.partition.max.record.locks";

    /// <summary>Resolves <paramref name="groupConfigs"/> (as GroupConfigStore.Get returns them) over the broker's bounds.</summary>
    public static ShareGroupSettings Resolve(GroupConfigBounds broker, IReadOnlyDictionary<string, string> groupConfigs, SharePartitionConfig? brokerPartition = null)
    {
        var p = brokerPartition ?? new SharePartitionConfig();
        int Int(string name, int fallback) =>
            groupConfigs.TryGetValue(name, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;
        if (!ShareAutoOffsetReset.TryParse(groupConfigs.GetValueOrDefault(GroupConfigStore.ShareAutoOffsetReset), out var reset)) reset = ShareAutoOffsetReset.Latest;
        return new ShareGroupSettings
        {
            SessionTimeoutMs = Int(GroupConfigStore.ShareSessionTimeout, broker.ShareSessionTimeoutMs),
            HeartbeatIntervalMs = Int(GroupConfigStore.ShareHeartbeatInterval, broker.ShareHeartbeatIntervalMs),
            AutoOffsetReset = reset,
            IsolationLevel = groupConfigs.GetValueOrDefault(IsolationLevelConfig)?.Trim().ToLowerInvariant() == "read_committed"
                ? ShareIsolationLevel.ReadCommitted : ShareIsolationLevel.ReadUncommitted,
            Partition = p with
            {
                RecordLockDurationMs = Int(GroupConfigStore.ShareRecordLockDuration, broker.ShareRecordLockDurationMs),
                DeliveryCountLimit = Int(DeliveryCountLimitConfig, p.DeliveryCountLimit),
                MaxRecordLocks = Int(MaxRecordLocksConfig, p.MaxRecordLocks),
            },
        };
    }
}
