using B = Chronik.Coordination.Configs.Catalog.BrokerConfigKeys;

namespace Chronik.Coordination.Configs.Catalog;

/// <summary>
/// The topic keys (CreateTopics, DescribeConfigs and Alter*Configs TOPIC), each with Kafka's default and the broker keys
/// it defaults from. A key whose broker key has the same unit takes its type, bounds and valid values from it.
/// </summary>
public static class TopicConfigKeys
{
    private const long Minute = 60_000, Hour = 3_600_000;

    public static readonly ConfigKey CleanupPolicy = Like("cleanup.policy", B.LogCleanupPolicy, "Retention policy: delete, compact, or both.");
    public static readonly ConfigKey CompressionType = Like("compression.type", B.CompressionType, "Final compression type for the topic.");
    public static readonly ConfigKey DeleteRetentionMs = Like("delete.retention.ms", B.LogCleanerDeleteRetentionMs, "How long tombstones are kept on compacted topics.");
    public static readonly ConfigKey FileDeleteDelayMs = Like("file.delete.delay.ms", B.LogSegmentDeleteDelayMs, "Delay before a deleted segment file is removed.");
    public static readonly ConfigKey FlushMessages = Like("flush.messages", B.LogFlushIntervalMessages, "Fsync after this many messages; unset means fsync before every acknowledgement.");
    public static readonly ConfigKey FlushMs = Like("flush.ms", B.LogFlushIntervalMs, "Fsync at least this often; unset means fsync before every acknowledgement.") with { Default = "9223372036854775807" };
    public static readonly ConfigKey IndexIntervalBytes = Like("index.interval.bytes", B.LogIndexIntervalBytes, "Bytes between offset index entries.");
    public static readonly ConfigKey MaxCompactionLagMs = Like("max.compaction.lag.ms", B.LogCleanerMaxCompactionLagMs, "Maximum time a message stays uncompacted.");
    public static readonly ConfigKey MaxMessageBytes = Like("max.message.bytes", B.MessageMaxBytes, "Largest record batch size allowed.");
    public static readonly ConfigKey MessageTimestampAfterMaxMs = Like("message.timestamp.after.max.ms", B.LogMessageTimestampAfterMaxMs, "Largest allowed timestamp lead over the broker clock.");
    public static readonly ConfigKey MessageTimestampBeforeMaxMs = Like("message.timestamp.before.max.ms", B.LogMessageTimestampBeforeMaxMs, "Largest allowed timestamp lag behind the broker clock.");
    public static readonly ConfigKey MessageTimestampType = Like("message.timestamp.type", B.LogMessageTimestampType, "CreateTime or LogAppendTime.");
    public static readonly ConfigKey MinCleanableDirtyRatio = Like("min.cleanable.dirty.ratio", B.LogCleanerMinCleanableRatio, "Dirty ratio that triggers compaction.");
    public static readonly ConfigKey MinCompactionLagMs = Like("min.compaction.lag.ms", B.LogCleanerMinCompactionLagMs, "Minimum time a message stays uncompacted.");
    public static readonly ConfigKey MinInsyncReplicas = Like("min.insync.replicas", B.MinInsyncReplicas, "Replicas that must acknowledge acks=all writes.");
    public static readonly ConfigKey Preallocate = Like("preallocate", B.LogPreallocate, "Preallocate segment files.");
    public static readonly ConfigKey RetentionBytes = Like("retention.bytes", B.LogRetentionBytes, "Largest partition size before old segments are deleted; -1 is unlimited.");
    public static readonly ConfigKey RetentionMs = new ConfigKey("retention.ms", ConfigType.Long, "604800000", "Longest time a segment is kept; -1 is forever.")
        { Min = -1, Dynamic = true, Synonyms = [new(B.LogRetentionMs), new(B.LogRetentionMinutes, Minute), new(B.LogRetentionHours, Hour)] };
    public static readonly ConfigKey SegmentBytes = Like("segment.bytes", B.LogSegmentBytes, "Segment file size.");
    public static readonly ConfigKey SegmentIndexBytes = Like("segment.index.bytes", B.LogIndexSizeMaxBytes, "Offset index size.");
    public static readonly ConfigKey SegmentJitterMs = new ConfigKey("segment.jitter.ms", ConfigType.Long, "0", "Random jitter subtracted from segment.ms.")
        { Min = 0, Dynamic = true, Synonyms = [new(B.LogRollJitterMs), new(B.LogRollJitterHours, Hour)] };
    public static readonly ConfigKey SegmentMs = new ConfigKey("segment.ms", ConfigType.Long, "604800000", "Time after which a segment is rolled.")
        { Min = 1, Dynamic = true, Synonyms = [new(B.LogRollMs), new(B.LogRollHours, Hour)] };
    public static readonly ConfigKey UncleanLeaderElectionEnable = Like("unclean.leader.election.enable", B.UncleanLeaderElectionEnable, "Meaningless on one node; accepted.");
    public static readonly ConfigKey MessageDownconversionEnable = Like("message.downconversion.enable", B.LogMessageDownconversionEnable, "Accepted for compatibility.");
    public static readonly ConfigKey LocalRetentionMs = Like("local.retention.ms", B.LogLocalRetentionMs, "Tiered storage is not supported; accepted.");
    public static readonly ConfigKey LocalRetentionBytes = Like("local.retention.bytes", B.LogLocalRetentionBytes, "Tiered storage is not supported; accepted.");
    public static readonly ConfigKey RemoteStorageEnable = new ConfigKey("remote.storage.enable", ConfigType.Boolean, "false", "Tiered storage is not supported.")
        { Dynamic = true, Check = v => v.Equals("false", StringComparison.OrdinalIgnoreCase) ? null : "tiered storage is not supported; only false is allowed" };

    /// <summary>Every topic key, in the order DescribeConfigs lists them.</summary>
    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        CleanupPolicy, CompressionType, DeleteRetentionMs, FileDeleteDelayMs, FlushMessages, FlushMs, IndexIntervalBytes, MaxCompactionLagMs,
        MaxMessageBytes, MessageTimestampAfterMaxMs, MessageTimestampBeforeMaxMs, MessageTimestampType, MinCleanableDirtyRatio, MinCompactionLagMs,
        MinInsyncReplicas, Preallocate, RetentionBytes, RetentionMs, SegmentBytes, SegmentIndexBytes, SegmentJitterMs, SegmentMs,
        UncleanLeaderElectionEnable, MessageDownconversionEnable, LocalRetentionMs, LocalRetentionBytes, RemoteStorageEnable,
    ];

    // A topic key with its broker key's type, default, bounds and valid values (topic keys are all dynamic).
    private static ConfigKey Like(string name, ConfigKey broker, string doc) =>
        broker with { Name = name, Documentation = doc, Dynamic = true, Synonyms = [new(broker)] };
}
