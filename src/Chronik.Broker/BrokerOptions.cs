namespace Chronik.Broker;

/// <summary>Everything the broker needs to know at start-up; filled by the server from flags and server.properties.</summary>
public sealed class BrokerOptions
{
    private string? _listenerName;

    public int NodeId { get; set; } = 1;
    public string BindAddress { get; set; } = "0.0.0.0";
    public int KafkaPort { get; set; } = 9092;
    public int MetricsPort { get; set; } = 9093;
    /// <summary>schema.registry.enable: serve the built-in Schema Registry (in the server executable only).</summary>
    public bool SchemaRegistryEnabled { get; set; } = true;
    /// <summary>schema.registry.port: HTTP port of the Schema Registry; 0 picks a free port.</summary>
    public int SchemaRegistryPort { get; set; } = 8081;
    /// <summary>The host clients are told to connect to; never 0.0.0.0.</summary>
    public string AdvertisedHost { get; set; } = System.Net.Dns.GetHostName();
    /// <summary>Defaults to <see cref="KafkaPort"/> when not set.</summary>
    public int? AdvertisedPort { get; set; }
    public string DataDir { get; set; } = "./data";
    public int MaxConnections { get; set; } = 10_000;
    public int IoThreads { get; set; } = Environment.ProcessorCount;
    /// <summary>socket.request.max.bytes: a larger frame closes the connection.</summary>
    public int SocketRequestMaxBytes { get; set; } = 100 * 1024 * 1024;
    /// <summary>Size of the write buffer the log uses, in bytes (--wal-buffer-size).</summary>
    public int WalBufferSize { get; set; } = 1024 * 1024;

    public int NumPartitions { get; set; } = 1;
    public short DefaultReplicationFactor { get; set; } = 1;
    public bool AutoCreateTopicsEnable { get; set; } = true;
    /// <summary>
    /// client.telemetry.enable: advertise and answer KIP-714's GetTelemetrySubscriptions and PushTelemetry. Off by
    /// default, as in Kafka, which serves them only when a telemetry receiver is configured; pushed metrics are dropped.
    /// </summary>
    public bool ClientTelemetryEnable { get; set; }
    /// <summary>
    /// max.partitions.per.request: partitions one CreateTopics or CreatePartitions request may add in total (Kafka's
    /// controller caps a request at the same 10,000); more is POLICY_VIOLATION for every topic of the request.
    /// </summary>
    public int MaxPartitionsPerRequest { get; set; } = 10_000;
    /// <summary>
    /// max.broker.partitions (KIP-578's name): partitions this broker holds at most, twice the 100,000 it is built to
    /// serve; a creation past it is POLICY_VIOLATION. The offsets topic is exempt.
    /// </summary>
    public int MaxBrokerPartitions { get; set; } = 200_000;
    /// <summary>log.max.open.segment.files: segment files the store keeps open at once; 0 (the default) is half the RLIMIT_NOFILE soft limit.</summary>
    public int LogMaxOpenSegmentFiles { get; set; }
    public long LogSegmentBytes { get; set; } = 1L << 30;
    public long LogRollMs { get; set; } = 7L * 24 * 3600 * 1000;
    public long LogRetentionMs { get; set; } = 7L * 24 * 3600 * 1000;
    public long LogRetentionBytes { get; set; } = -1;
    public long LogRetentionCheckIntervalMs { get; set; } = 300_000;
    /// <summary>log.cleaner.backoff.ms: how often the log cleaner looks for compacted partitions to clean.</summary>
    public long LogCleanerBackoffMs { get; set; } = 15_000;
    public int MessageMaxBytes { get; set; } = 1048588;
    /// <summary>log.flush.interval.messages; null means durable by default (fsync before every ack).</summary>
    public long? LogFlushIntervalMessages { get; set; }
    /// <summary>log.flush.interval.ms; null means durable by default.</summary>
    public long? LogFlushIntervalMs { get; set; }
    public string LogMessageTimestampType { get; set; } = "CreateTime";
    public int GroupInitialRebalanceDelayMs { get; set; } = 3000;
    public int OffsetsRetentionMinutes { get; set; } = 10080;
    public long OffsetsRetentionCheckIntervalMs { get; set; } = 600_000;
    public int OffsetMetadataMaxBytes { get; set; } = 4096;
    public int GroupMinSessionTimeoutMs { get; set; } = 6000;
    public int GroupMaxSessionTimeoutMs { get; set; } = 1_800_000;
    public int GroupMaxSize { get; set; } = int.MaxValue;
    /// <summary>group.consumer.heartbeat.interval.ms (KIP-848 groups).</summary>
    public int GroupConsumerHeartbeatIntervalMs { get; set; } = 5000;
    /// <summary>group.consumer.session.timeout.ms (KIP-848 groups).</summary>
    public int GroupConsumerSessionTimeoutMs { get; set; } = 45000;
    /// <summary>group.consumer.min/max.session.timeout.ms and group.consumer.min/max.heartbeat.interval.ms: bounds of GROUP configs.</summary>
    public int GroupConsumerMinSessionTimeoutMs { get; set; } = 45000;
    public int GroupConsumerMaxSessionTimeoutMs { get; set; } = 60000;
    public int GroupConsumerMinHeartbeatIntervalMs { get; set; } = 5000;
    public int GroupConsumerMaxHeartbeatIntervalMs { get; set; } = 15000;
    /// <summary>group.share.max.size: most members of a share group (KIP-932).</summary>
    public int GroupShareMaxSize { get; set; } = 200;
    /// <summary>group.share.delivery.count.limit: deliveries of a record before it is archived (share.delivery.count.limit's default).</summary>
    public int GroupShareDeliveryCountLimit { get; set; } = 5;
    /// <summary>group.share.record.lock.duration.ms (share.record.lock.duration.ms's default; a smaller value also lowers its minimum).</summary>
    public int GroupShareRecordLockDurationMs { get; set; } = 30_000;
    /// <summary>group.share.session.timeout.ms (a smaller value also lowers the group config's minimum).</summary>
    public int GroupShareSessionTimeoutMs { get; set; } = 45_000;
    /// <summary>group.share.heartbeat.interval.ms (a smaller value also lowers the group config's minimum).</summary>
    public int GroupShareHeartbeatIntervalMs { get; set; } = 5_000;
    public int TransactionMaxTimeoutMs { get; set; } = 900_000;
    /// <summary>producer.id.expiration.ms: a partition forgets a producer idle this long (no open transaction).</summary>
    public long ProducerIdExpirationMs { get; set; } = 86_400_000;
    /// <summary>producer.id.expiration.check.interval.ms: how often idle producers are looked for.</summary>
    public long ProducerIdExpirationCheckIntervalMs { get; set; } = 600_000;
    /// <summary>transactional.id.expiration.ms: the coordinator forgets a transactional id idle this long (no open transaction).</summary>
    public long TransactionalIdExpirationMs { get; set; } = 604_800_000;
    /// <summary>authorizer.class.name; empty (the default) disables ACL checks and the ACL APIs answer SECURITY_DISABLED.</summary>
    public string AuthorizerClassName { get; set; } = "";
    /// <summary>allow.everyone.if.no.acl.found: a resource without any ACL is open to everyone (default false, as Kafka).</summary>
    public bool AllowEveryoneIfNoAclFound { get; set; }
    /// <summary>super.users: principals separated by ';' that pass every check.</summary>
    public string SuperUsers { get; set; } = "";

    /// <summary>The first Kafka listener's security protocol, SASL mechanisms and users, TLS key material.</summary>
    public Security.ListenerSecurityOptions Security { get; } = new();

    /// <summary>
    /// The first listener's name (by default its protocol's); its address is <see cref="BindAddress"/>:<see cref="KafkaPort"/>,
    /// its security <see cref="Security"/>.
    /// </summary>
    public string ListenerName
    {
        get => _listenerName ?? Chronik.Broker.Security.ListenerSecurityOptions.ProtocolName(Security.Protocol);
        set => _listenerName = value;
    }

    /// <summary>The listeners after the first (<c>listeners=A://…,B://…</c>), each with its own address and security.</summary>
    public List<BrokerListener> AdditionalListeners { get; } = [];

    /// <summary>Every Kafka listener: the first (made from the flags' fields and <see cref="Security"/>), then the others.</summary>
    public IReadOnlyList<BrokerListener> Listeners =>
    [
        new BrokerListener
        {
            Name = ListenerName,
            BindAddress = BindAddress,
            Port = KafkaPort,
            AdvertisedHost = AdvertisedHost,
            AdvertisedPort = AdvertisedPort,
            Security = Security,
        },
        .. AdditionalListeners,
    ];

    /// <summary>quota.window.num: samples kept for client quota rates (Kafka: 11, i.e. 10 whole windows + the current one).</summary>
    public int QuotaWindowNum { get; set; } = 11;

    /// <summary>quota.window.size.seconds: length of one client quota sample.</summary>
    public int QuotaWindowSizeSeconds { get; set; } = 1;

    /// <summary>Every broker config key and value as configured (for DescribeConfigs of the broker resource).</summary>
    public Dictionary<string, string> RawConfig { get; } = new(StringComparer.Ordinal);

    public int EffectiveAdvertisedPort => AdvertisedPort ?? KafkaPort;

    /// <summary>broker.rack: this broker's rack, listed in Metadata and DescribeCluster (null: none).</summary>
    public string? BrokerRack { get; set; }

    /// <summary>
    /// metadata.url (--metadata-url): postgresql://USER@HOST:PORT/DB of the cluster's shared PostgreSQL; null (the default)
    /// runs the single-node broker on its local metadata log. The server composes cluster mode from it.
    /// </summary>
    public string? MetadataUrl { get; set; }

    /// <summary>object.store.url (--object-store): file:///PATH or s3://BUCKET?... of the cluster's object store (cluster mode only).</summary>
    public string? ObjectStoreUrl { get; set; }

    /// <summary>broker.session.timeout.ms: a cluster member that has not heartbeated for this long is no longer live.</summary>
    public int BrokerSessionTimeoutMs { get; set; } = 9000;

    /// <summary>broker.heartbeat.interval.ms: how often a cluster member heartbeats (and refreshes its list of live brokers).</summary>
    public int BrokerHeartbeatIntervalMs { get; set; } = 2000;

    /// <summary>produce.commit.interval.ms: cluster mode seals a commit window this long after its first batch.</summary>
    public int ProduceCommitIntervalMs { get; set; } = 50;

    /// <summary>produce.buffer.max.bytes: cluster mode seals a commit window early once it holds this many bytes.</summary>
    public long ProduceBufferMaxBytes { get; set; } = 8L * 1024 * 1024;
}
