namespace Chronik.Coordination.ShareGroups;

/// <summary>The settings one share partition obeys: group configs over broker defaults, resolved by the caller.</summary>
public sealed record SharePartitionConfig
{
    /// <summary>share.record.lock.duration.ms (broker: group.share.record.lock.duration.ms).</summary>
    public int RecordLockDurationMs { get; init; } = 30_000;
    /// <summary>share.delivery.count.limit: the delivery that reaches it is the last; a release then archives.</summary>
    public int DeliveryCountLimit { get; init; } = 5;
    /// <summary>share.partition.max.record.locks (broker: group.share.partition.max.record.locks): the in-flight cap.</summary>
    public int MaxRecordLocks { get; init; } = 2000;
    /// <summary>share.coordinator.snapshot.update.records.per.snapshot: after this many updates a snapshot is written instead.</summary>
    public int UpdatesPerSnapshot { get; init; } = 500;
    /// <summary>share.renew.acknowledge.enable (KIP-1222): whether RENEW acknowledgements are accepted.</summary>
    public bool RenewAcknowledgeEnabled { get; init; } = true;
}
