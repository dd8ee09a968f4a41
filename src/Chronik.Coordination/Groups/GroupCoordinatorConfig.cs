using Chronik.Coordination.Configs;

namespace Chronik.Coordination.Groups;

/// <summary>The broker settings the group coordinator obeys (group.* and offsets.* in server.properties).</summary>
public sealed record GroupCoordinatorConfig
{
    /// <summary>group.min.session.timeout.ms.</summary>
    public int MinSessionTimeoutMs { get; init; } = 6000;
    /// <summary>group.max.session.timeout.ms.</summary>
    public int MaxSessionTimeoutMs { get; init; } = 1_800_000;
    /// <summary>group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members.</summary>
    public int InitialRebalanceDelayMs { get; init; } = 3000;
    /// <summary>group.max.size.</summary>
    public int MaxGroupSize { get; init; } = int.MaxValue;
    /// <summary>offsets.retention.minutes, in milliseconds.</summary>
    public long OffsetsRetentionMs { get; init; } = 7L * 24 * 3600 * 1000;
    /// <summary>offsets.retention.check.interval.ms.</summary>
    public long OffsetsRetentionCheckIntervalMs { get; init; } = 600_000;
    /// <summary>offset.metadata.max.bytes.</summary>
    public int OffsetMetadataMaxBytes { get; init; } = 4096;
    /// <summary>group.consumer.heartbeat.interval.ms (KIP-848).</summary>
    public int ConsumerHeartbeatIntervalMs { get; init; } = 5000;
    /// <summary>group.consumer.session.timeout.ms (KIP-848).</summary>
    public int ConsumerSessionTimeoutMs { get; init; } = 45000;
    /// <summary>Per-group overrides of the two KIP-848 timeouts (GROUP config resources); null: none.</summary>
    public IGroupConfigSource? GroupConfigs { get; init; }

    /// <summary>The session timeout of a consumer group's members: the group's consumer.session.timeout.ms, else the broker's.</summary>
    public int ConsumerSessionTimeoutFor(string groupId) => GroupConfigs?.ConsumerSessionTimeoutMs(groupId) ?? ConsumerSessionTimeoutMs;

    /// <summary>The heartbeat interval of a consumer group's members: the group's consumer.heartbeat.interval.ms, else the broker's.</summary>
    public int ConsumerHeartbeatIntervalFor(string groupId) => GroupConfigs?.ConsumerHeartbeatIntervalMs(groupId) ?? ConsumerHeartbeatIntervalMs;
}
