using Chronik.Protocol.Records;

namespace Chronik.Storage;

/// <summary>Per-partition log settings, named after Kafka's topic configs (segment.bytes, retention.ms, ...).</summary>
public sealed record LogConfig
{
    /// <summary>The shared default: 1 GiB segments, 7-day roll and retention, durable appends.</summary>
    public static LogConfig Default { get; } = new();

    /// <summary>segment.bytes; capped below 2 GiB because index positions are int32.</summary>
    public int SegmentBytes { get; init; } = 1 << 30;
    public long SegmentMs { get; init; } = 7L * 24 * 3600 * 1000;
    /// <summary>retention.ms; -1 keeps data forever.</summary>
    public long RetentionMs { get; init; } = 7L * 24 * 3600 * 1000;
    /// <summary>retention.bytes; -1 means no size limit.</summary>
    public long RetentionBytes { get; init; } = -1;
    public int IndexIntervalBytes { get; init; } = 4096;
    /// <summary>flush.messages; long.MaxValue means "not set".</summary>
    public long FlushIntervalMessages { get; init; } = long.MaxValue;
    /// <summary>flush.ms; long.MaxValue means "not set".</summary>
    public long FlushIntervalMs { get; init; } = long.MaxValue;
    public TimestampType MessageTimestampType { get; init; } = TimestampType.CreateTime;
    /// <summary>max.message.bytes: the largest batch accepted.</summary>
    public int MaxMessageBytes { get; init; } = 1048588;
    /// <summary>When true (the default) an append completes only after its bytes are fsynced.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>cleanup.policy contains "compact": the log cleaner keeps the latest record per key.</summary>
    public bool Compact { get; init; }
    /// <summary>delete.retention.ms: how long a tombstone (and a spent transaction marker) outlives compaction.</summary>
    public long DeleteRetentionMs { get; init; } = 86_400_000;
    /// <summary>min.compaction.lag.ms: segments with a record younger than this are not compacted.</summary>
    public long MinCompactionLagMs { get; init; }
    /// <summary>max.compaction.lag.ms: a dirty segment older than this is compacted whatever the dirty ratio.</summary>
    public long MaxCompactionLagMs { get; init; } = long.MaxValue;
    /// <summary>min.cleanable.dirty.ratio: the share of the cleanable bytes not yet compacted that triggers a clean.</summary>
    public double MinCleanableDirtyRatio { get; init; } = 0.5;

    /// <summary>
    /// Appends wait for fsync unless durability was relaxed: Durable=false, or a Kafka-style flush interval
    /// was set (then the flusher syncs on that interval). flush.messages=1 is Kafka's "sync every append".
    /// </summary>
    public bool SyncOnAppend =>
        Durable && (FlushIntervalMessages <= 1 || (FlushIntervalMessages == long.MaxValue && FlushIntervalMs == long.MaxValue));
}
