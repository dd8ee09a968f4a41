namespace Chronik.Coordination.Configs.Catalog;

/// <summary>
/// The broker keys (server.properties and DescribeConfigs BROKER), in server.properties precedence order: a later key
/// overrides an earlier one (log.retention.ms beats log.retention.hours). <see cref="ConfigKey.Default"/> is Kafka's
/// default where Chronik's is the same, else null (the running value is then reported). Only the keys topics default
/// from are dynamic.
/// </summary>
public static class BrokerConfigKeys
{
    private const string LongMax = "9223372036854775807";

    public static readonly ConfigKey LogDir = S("log.dir", null, "Data directory (overridden by log.dirs).");
    public static readonly ConfigKey LogDirs = S("log.dirs", null, "Comma-separated data directories; the first one is used.");
    public static readonly ConfigKey ListenerSecurityProtocolMap = S("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
        "NAME:PROTOCOL pairs naming the security protocol of each listener name.");
    public static readonly ConfigKey ControllerListenerNames = S("controller.listener.names", null,
        "Listener names of a KRaft controller; this broker needs no controller quorum, so listeners of these names are not served.");
    public static readonly ConfigKey Listeners = S("listeners", "PLAINTEXT://:9092",
        "NAME://host:port,...: Kafka listeners, each with its bind address and port (an empty host binds every interface); NAME is PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or a name in listener.security.protocol.map. The flags set the first one.");
    public static readonly ConfigKey AdvertisedListeners = S("advertised.listeners", null,
        "NAME://host:port,...: the address given in metadata to the clients of the listener of that name (default: its bind address if concrete, else this machine's host name).");
    public static readonly ConfigKey SaslEnabledMechanisms = new("sasl.enabled.mechanisms", ConfigType.List, null,
        "SASL mechanisms a SASL listener offers: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.");
    public static readonly ConfigKey ConnectionsMaxReauthMs = L("connections.max.reauth.ms", "0", 0,
        "Lifetime of a SASL session; clients re-authenticate before it ends (KIP-368). 0 (the default): sessions never expire.");
    public static readonly ConfigKey SaslJaasConfig = P("sasl.jaas.config",
        "PlainLoginModule config whose user_NAME=\"password\" entries are the PLAIN users (per listener: listener.name.<listener>.plain.sasl.jaas.config).");
    public static readonly ConfigKey SslKeystoreLocation = S("ssl.keystore.location", null, "Server certificate and key for SSL/SASL_SSL: a PKCS12 file, or PEM with ssl.keystore.type=PEM.");
    public static readonly ConfigKey SslKeystoreType = S("ssl.keystore.type", null, "PKCS12 or PEM.");
    public static readonly ConfigKey SslKeystorePassword = P("ssl.keystore.password", "Password of the PKCS12 keystore.");
    public static readonly ConfigKey SslKeyPassword = P("ssl.key.password", "Password of an encrypted PEM private key.");
    public static readonly ConfigKey SslTruststoreLocation = S("ssl.truststore.location", null, "Certificates client certificates must chain to (with ssl.client.auth).");
    public static readonly ConfigKey SslTruststoreType = S("ssl.truststore.type", null, "PKCS12 or PEM.");
    public static readonly ConfigKey SslTruststorePassword = P("ssl.truststore.password", "Password of the PKCS12 truststore.");
    public static readonly ConfigKey SslClientAuth = S("ssl.client.auth", "none", "none, requested or required: whether clients present a certificate.") with { ValidValues = ["required", "requested", "none"] };
    public static readonly ConfigKey BrokerId = I("broker.id", "-1", 0, "Alias of node.id.");
    public static readonly ConfigKey NodeId = I("node.id", "-1", 0, "This broker's id.");
    public static readonly ConfigKey BrokerRack = S("broker.rack", null, "This broker's rack, listed in Metadata and DescribeCluster.");
    public static readonly ConfigKey MetadataUrl = P("metadata.url",
        "postgresql://USER[:PASSWORD]@HOST:PORT/DB: join the cluster whose metadata and membership live in this PostgreSQL database (unset: a single-node broker).");
    public static readonly ConfigKey ObjectStoreUrl = S("object.store.url", null,
        "file:///PATH (a directory every broker shares) or s3://BUCKET?endpoint=http://HOST:PORT&region=R&path-style=true: the cluster's object store (needs metadata.url).");
    public static readonly ConfigKey BrokerSessionTimeoutMs = I("broker.session.timeout.ms", "9000", 1,
        "Cluster mode: a broker that has not heartbeated for this long drops out of Metadata and its node id may be taken.");
    public static readonly ConfigKey BrokerHeartbeatIntervalMs = I("broker.heartbeat.interval.ms", "2000", 1,
        "Cluster mode: how often a broker heartbeats and refreshes its list of live brokers (less than broker.session.timeout.ms).");
    public static readonly ConfigKey ProduceCommitIntervalMs = I("produce.commit.interval.ms", "50", 1,
        "Cluster mode: a broker seals its commit window (one object and one PostgreSQL commit for every connection's batches) this long after the window's first batch.");
    public static readonly ConfigKey ProduceBufferMaxBytes = L("produce.buffer.max.bytes", "8388608", 1,
        "Cluster mode: a commit window is sealed early once it holds this many bytes of batches.");
    public static readonly ConfigKey NumPartitions = I("num.partitions", "1", 1, "Partitions of an auto-created topic.");
    public static readonly ConfigKey DefaultReplicationFactor = I("default.replication.factor", "1", 1, "Replication factor of an auto-created topic.");
    public static readonly ConfigKey AutoCreateTopicsEnable = B("auto.create.topics.enable", "true", "Create a topic when a client asks for an unknown one.");
    public static readonly ConfigKey MaxPartitionsPerRequest = I("max.partitions.per.request", null, 1,
        "Partitions one CreateTopics or CreatePartitions request may add in total (POLICY_VIOLATION past it).");
    public static readonly ConfigKey MaxBrokerPartitions = I("max.broker.partitions", null, 1,
        "Partitions the broker may hold in total; creating more (by request or auto-creation) is POLICY_VIOLATION.");
    public static readonly ConfigKey LogMaxOpenSegmentFiles = I("log.max.open.segment.files", "0", 0,
        "Segment files kept open at once; others are opened when read (0: half the RLIMIT_NOFILE soft limit).");
    public static readonly ConfigKey LogSegmentBytes = I("log.segment.bytes", "1073741824", 14, "Roll a new segment past this size.") with { Dynamic = true };
    public static readonly ConfigKey LogRollHours = I("log.roll.hours", "168", 1, "Roll a new segment after this age (overridden by log.roll.ms).") with { Dynamic = true };
    public static readonly ConfigKey LogRollMs = L("log.roll.ms", null, 1, "Roll a new segment after this age.") with { Dynamic = true };
    public static readonly ConfigKey LogRetentionHours = I("log.retention.hours", "168", -1, "Delete segments older than this; -1 keeps forever.") with { Dynamic = true };
    public static readonly ConfigKey LogRetentionMinutes = I("log.retention.minutes", null, -1, "Overrides log.retention.hours.") with { Dynamic = true };
    public static readonly ConfigKey LogRetentionMs = L("log.retention.ms", null, -1, "Overrides log.retention.minutes and .hours.") with { Dynamic = true };
    public static readonly ConfigKey LogRetentionBytes = L("log.retention.bytes", "-1", -1, "Delete old segments past this partition size; -1 is unlimited.") with { Dynamic = true };
    public static readonly ConfigKey LogRetentionCheckIntervalMs = L("log.retention.check.interval.ms", "300000", 1, "How often retention runs.");
    public static readonly ConfigKey MessageMaxBytes = I("message.max.bytes", "1048588", 0, "Largest record batch accepted.") with { Dynamic = true };
    public static readonly ConfigKey LogFlushIntervalMessages = L("log.flush.interval.messages", LongMax, 1,
        "Fsync after this many messages; unset means fsync before every acknowledgement.") with { Dynamic = true };
    public static readonly ConfigKey LogFlushIntervalMs = L("log.flush.interval.ms", null, 0,
        "Fsync at least this often; unset means fsync before every acknowledgement.") with { Dynamic = true };
    public static readonly ConfigKey LogMessageTimestampType = S("log.message.timestamp.type", "CreateTime", "CreateTime or LogAppendTime.")
        with { ValidValues = ["CreateTime", "LogAppendTime"], Dynamic = true };
    public static readonly ConfigKey SocketRequestMaxBytes = I("socket.request.max.bytes", "104857600", 1, "A larger request frame closes the connection.");
    public static readonly ConfigKey GroupInitialRebalanceDelayMs = I("group.initial.rebalance.delay.ms", "3000", 0, "Wait for more members before the first rebalance.");
    public static readonly ConfigKey OffsetsRetentionMinutes = I("offsets.retention.minutes", "10080", 1, "Keep committed offsets of empty groups this long.");
    public static readonly ConfigKey OffsetsRetentionCheckIntervalMs = L("offsets.retention.check.interval.ms", "600000", 1, "How often expired offsets are removed.");
    public static readonly ConfigKey OffsetMetadataMaxBytes = I("offset.metadata.max.bytes", "4096", 0, "Largest metadata string an offset commit may carry.");
    public static readonly ConfigKey GroupMinSessionTimeoutMs = I("group.min.session.timeout.ms", "6000", 1, "Smallest session timeout a group member may ask for.");
    public static readonly ConfigKey GroupMaxSessionTimeoutMs = I("group.max.session.timeout.ms", "1800000", 1, "Largest session timeout a group member may ask for.");
    public static readonly ConfigKey GroupMaxSize = I("group.max.size", "2147483647", 1, "Most members a classic group may have.");
    public static readonly ConfigKey GroupConsumerHeartbeatIntervalMs = I("group.consumer.heartbeat.interval.ms", "5000", 1,
        "Heartbeat interval given to consumer (KIP-848) group members; the default of the group config consumer.heartbeat.interval.ms.");
    public static readonly ConfigKey GroupConsumerSessionTimeoutMs = I("group.consumer.session.timeout.ms", "45000", 1,
        "Session timeout of consumer (KIP-848) group members; the default of the group config consumer.session.timeout.ms.");
    public static readonly ConfigKey GroupConsumerMinSessionTimeoutMs = I("group.consumer.min.session.timeout.ms", "45000", 1, "Smallest consumer.session.timeout.ms a consumer group may be configured with.");
    public static readonly ConfigKey GroupConsumerMaxSessionTimeoutMs = I("group.consumer.max.session.timeout.ms", "60000", 1, "Largest consumer.session.timeout.ms a consumer group may be configured with.");
    public static readonly ConfigKey GroupConsumerMinHeartbeatIntervalMs = I("group.consumer.min.heartbeat.interval.ms", "5000", 1, "Smallest consumer.heartbeat.interval.ms a consumer group may be configured with.");
    public static readonly ConfigKey GroupConsumerMaxHeartbeatIntervalMs = I("group.consumer.max.heartbeat.interval.ms", "15000", 1, "Largest consumer.heartbeat.interval.ms a consumer group may be configured with.");
    public static readonly ConfigKey GroupShareMaxSize = I("group.share.max.size", "200", 1, "Most members a share group may have.");
    public static readonly ConfigKey GroupShareDeliveryCountLimit = I("group.share.delivery.count.limit", "5", 2, "Deliveries of a share group record before it is archived.");
    public static readonly ConfigKey GroupShareRecordLockDurationMs = I("group.share.record.lock.duration.ms", "30000", 1000, "How long a share group member holds the records it acquired.");
    public static readonly ConfigKey GroupShareSessionTimeoutMs = I("group.share.session.timeout.ms", "45000", 1, "Session timeout of share group members.");
    public static readonly ConfigKey GroupShareHeartbeatIntervalMs = I("group.share.heartbeat.interval.ms", "5000", 1, "Heartbeat interval given to share group members.");
    public static readonly ConfigKey TransactionMaxTimeoutMs = I("transaction.max.timeout.ms", "900000", 1, "Largest transaction timeout a producer may ask for.");
    public static readonly ConfigKey QuotaWindowNum = I("quota.window.num", "11", 1, "Samples kept for client quota rates.");
    public static readonly ConfigKey QuotaWindowSizeSeconds = I("quota.window.size.seconds", "1", 1, "Length of one client quota sample.");
    public static readonly ConfigKey ProducerIdExpirationMs = L("producer.id.expiration.ms", "86400000", 1, "A partition forgets a producer idle this long.");
    public static readonly ConfigKey ProducerIdExpirationCheckIntervalMs = L("producer.id.expiration.check.interval.ms", "600000", 1, "How often idle producers are removed.");
    public static readonly ConfigKey TransactionalIdExpirationMs = L("transactional.id.expiration.ms", "604800000", 1, "The coordinator forgets a transactional id idle this long.");
    public static readonly ConfigKey AuthorizerClassName = S("authorizer.class.name", "",
        "Any non-empty name (e.g. org.apache.kafka.metadata.authorizer.StandardAuthorizer) turns on ACL checks.");
    public static readonly ConfigKey AllowEveryoneIfNoAclFound = B("allow.everyone.if.no.acl.found", "false", "With the authorizer on: a resource without any ACL is open to everyone.");
    public static readonly ConfigKey SuperUsers = S("super.users", null, "Principals (User:name) separated by ';' that pass every ACL check.");
    public static readonly ConfigKey ClientTelemetryEnable = B("client.telemetry.enable", "false",
        "Advertise KIP-714 client telemetry (GetTelemetrySubscriptions, PushTelemetry); pushed metrics are dropped.");
    public static readonly ConfigKey SchemaRegistryEnable = B("schema.registry.enable", "true", "Serve the built-in Schema Registry (Confluent's REST API, state in the _schemas topic).");
    public static readonly ConfigKey SchemaRegistryPort = I("schema.registry.port", "8081", 0, "HTTP port of the built-in Schema Registry (0: a free port).") with { Max = 65535 };
    public static readonly ConfigKey MaxConnections = I("max.connections", null, 0, "Refuse connections past this count.");
    public static readonly ConfigKey NumIoThreads = I("num.io.threads", null, 1, "Threads that handle requests.");

    // Keys read from the catalog only: reported, and (the dynamic ones) the defaults topics fall back to.
    public static readonly ConfigKey DeleteTopicEnable = B("delete.topic.enable", "true", "Topics can be deleted (always true here).");
    public static readonly ConfigKey CompressionType = S("compression.type", "producer", "Default compression type of topics.")
        with { ValidValues = ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"], Dynamic = true };
    public static readonly ConfigKey LogCleanupPolicy = new ConfigKey("log.cleanup.policy", ConfigType.List, "delete", "Default cleanup policy of topics: delete, compact, or both.")
        { ValidValues = ["delete", "compact"], Dynamic = true };
    public static readonly ConfigKey MinInsyncReplicas = I("min.insync.replicas", "1", 1, "Replicas that must acknowledge acks=all writes.") with { Dynamic = true };
    public static readonly ConfigKey LogCleanerDeleteRetentionMs = L("log.cleaner.delete.retention.ms", "86400000", 0, "How long tombstones are kept on compacted topics.") with { Dynamic = true };
    public static readonly ConfigKey LogSegmentDeleteDelayMs = L("log.segment.delete.delay.ms", "60000", 0, "Delay before a deleted segment file is removed.") with { Dynamic = true };
    public static readonly ConfigKey LogIndexIntervalBytes = I("log.index.interval.bytes", "4096", 0, "Bytes between offset index entries.") with { Dynamic = true };
    public static readonly ConfigKey LogCleanerMaxCompactionLagMs = L("log.cleaner.max.compaction.lag.ms", LongMax, 1, "Maximum time a message stays uncompacted.") with { Dynamic = true };
    public static readonly ConfigKey LogMessageTimestampAfterMaxMs = L("log.message.timestamp.after.max.ms", "3600000", 0, "Largest allowed timestamp lead over the broker clock.") with { Dynamic = true };
    public static readonly ConfigKey LogMessageTimestampBeforeMaxMs = L("log.message.timestamp.before.max.ms", LongMax, 0, "Largest allowed timestamp lag behind the broker clock.") with { Dynamic = true };
    public static readonly ConfigKey LogCleanerMinCleanableRatio = new ConfigKey("log.cleaner.min.cleanable.ratio", ConfigType.Double, "0.5", "Dirty ratio that triggers compaction.")
        { Min = 0, Max = 1, Dynamic = true };
    public static readonly ConfigKey LogCleanerMinCompactionLagMs = L("log.cleaner.min.compaction.lag.ms", "0", 0, "Minimum time a message stays uncompacted.") with { Dynamic = true };
    public static readonly ConfigKey LogPreallocate = B("log.preallocate", "false", "Preallocate segment files.") with { Dynamic = true };
    public static readonly ConfigKey LogIndexSizeMaxBytes = I("log.index.size.max.bytes", "10485760", 4, "Offset index size.") with { Dynamic = true };
    public static readonly ConfigKey LogRollJitterHours = I("log.roll.jitter.hours", "0", 0, "Random jitter subtracted from the roll time (overridden by log.roll.jitter.ms).") with { Dynamic = true };
    public static readonly ConfigKey LogRollJitterMs = L("log.roll.jitter.ms", null, 0, "Random jitter subtracted from the roll time.") with { Dynamic = true };
    public static readonly ConfigKey UncleanLeaderElectionEnable = B("unclean.leader.election.enable", "false", "Meaningless on one node; accepted.") with { Dynamic = true };
    public static readonly ConfigKey LogMessageDownconversionEnable = B("log.message.downconversion.enable", "true", "Accepted for compatibility.") with { Dynamic = true };
    public static readonly ConfigKey LogLocalRetentionMs = L("log.local.retention.ms", "-2", -2, "Tiered storage is not supported; accepted.") with { Dynamic = true };
    public static readonly ConfigKey LogLocalRetentionBytes = L("log.local.retention.bytes", "-2", -2, "Tiered storage is not supported; accepted.") with { Dynamic = true };

    /// <summary>Every broker key, in precedence order (declared after the fields: static initializers run in text order).</summary>
    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        LogDir, LogDirs, ListenerSecurityProtocolMap, ControllerListenerNames, Listeners, AdvertisedListeners,
        SaslEnabledMechanisms, ConnectionsMaxReauthMs, SaslJaasConfig, SslKeystoreLocation, SslKeystoreType, SslKeystorePassword,
        SslKeyPassword, SslTruststoreLocation, SslTruststoreType, SslTruststorePassword, SslClientAuth,
        BrokerId, NodeId, BrokerRack, MetadataUrl, ObjectStoreUrl, BrokerSessionTimeoutMs, BrokerHeartbeatIntervalMs, ProduceCommitIntervalMs, ProduceBufferMaxBytes, NumPartitions, DefaultReplicationFactor, AutoCreateTopicsEnable, MaxPartitionsPerRequest, MaxBrokerPartitions,
        LogMaxOpenSegmentFiles, LogSegmentBytes, LogRollHours, LogRollMs, LogRetentionHours, LogRetentionMinutes, LogRetentionMs,
        LogRetentionBytes, LogRetentionCheckIntervalMs, MessageMaxBytes, LogFlushIntervalMessages, LogFlushIntervalMs, LogMessageTimestampType,
        SocketRequestMaxBytes, GroupInitialRebalanceDelayMs, OffsetsRetentionMinutes, OffsetsRetentionCheckIntervalMs, OffsetMetadataMaxBytes,
        GroupMinSessionTimeoutMs, GroupMaxSessionTimeoutMs, GroupMaxSize, GroupConsumerHeartbeatIntervalMs, GroupConsumerSessionTimeoutMs,
        GroupConsumerMinSessionTimeoutMs, GroupConsumerMaxSessionTimeoutMs, GroupConsumerMinHeartbeatIntervalMs, GroupConsumerMaxHeartbeatIntervalMs,
        GroupShareMaxSize, GroupShareDeliveryCountLimit, GroupShareRecordLockDurationMs, GroupShareSessionTimeoutMs, GroupShareHeartbeatIntervalMs,
        TransactionMaxTimeoutMs, QuotaWindowNum, QuotaWindowSizeSeconds, ProducerIdExpirationMs, ProducerIdExpirationCheckIntervalMs,
        TransactionalIdExpirationMs, AuthorizerClassName, AllowEveryoneIfNoAclFound, SuperUsers, ClientTelemetryEnable, SchemaRegistryEnable,
        SchemaRegistryPort, MaxConnections, NumIoThreads,
        DeleteTopicEnable, CompressionType, LogCleanupPolicy, MinInsyncReplicas, LogCleanerDeleteRetentionMs, LogSegmentDeleteDelayMs,
        LogIndexIntervalBytes, LogCleanerMaxCompactionLagMs, LogMessageTimestampAfterMaxMs, LogMessageTimestampBeforeMaxMs,
        LogCleanerMinCleanableRatio, LogCleanerMinCompactionLagMs, LogPreallocate, LogIndexSizeMaxBytes, LogRollJitterHours, LogRollJitterMs,
        UncleanLeaderElectionEnable, LogMessageDownconversionEnable, LogLocalRetentionMs, LogLocalRetentionBytes,
    ];

    private static ConfigKey S(string name, string? value, string doc) => new(name, ConfigType.String, value, doc);
    private static ConfigKey B(string name, string value, string doc) => new(name, ConfigType.Boolean, value, doc);
    private static ConfigKey P(string name, string doc) => new(name, ConfigType.Password, null, doc);
    private static ConfigKey I(string name, string? value, long min, string doc) => new(name, ConfigType.Int, value, doc) { Min = min };
    private static ConfigKey L(string name, string? value, long min, string doc) => new(name, ConfigType.Long, value, doc) { Min = min };
}
