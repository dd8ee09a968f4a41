using System.Globalization;
using Chronik.Broker;

namespace Chronik.Broker.Configuration;

/// <summary>The server.properties keys Chronik understands, in precedence order: a later key overrides an earlier one.</summary>
public static class ServerProperties
{
    private const long MsPerMinute = 60_000;
    private const long MsPerHour = 60 * MsPerMinute;

    public static IReadOnlyList<ServerProperty> All { get; } =
    [
        new("log.dir", o => o.DataDir, "Data directory (overridden by log.dirs).",
            (s, v) => s.Options.DataDir = ConfigValues.NonEmpty(v)),
        new("log.dirs", o => o.DataDir, "Comma-separated data directories; the first one is used.",
            (s, v) => s.Options.DataDir = ConfigValues.FirstDirectory(v)),
        .. SecurityProperties.BeforeListeners,
        new("controller.listener.names", _ => "CONTROLLER",
            "Listener names of a KRaft controller; this broker needs no controller quorum, so listeners of these names are not served.",
            ListenerProperties.ApplyControllerNames),
        new("listeners", ListenerProperties.FormatListeners,
            "NAME://host:port,...: Kafka listeners, each with its bind address and port (an empty host binds every interface); NAME is PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or a name in listener.security.protocol.map. The flags set the first one.",
            ListenerProperties.ApplyListeners),
        new("advertised.listeners", ListenerProperties.FormatAdvertised,
            "NAME://host:port,...: the address given in metadata to the clients of the listener of that name (default: its bind address if concrete, else this machine's host name).",
            ListenerProperties.ApplyAdvertisedListeners),
        .. SecurityProperties.Others,
        new("broker.id", o => Text(o.NodeId), "Alias of node.id.",
            (s, v) => s.Options.NodeId = ConfigValues.Int(v, 0)),
        new("node.id", o => Text(o.NodeId), "This broker's id.",
            (s, v) => s.Options.NodeId = ConfigValues.Int(v, 0)),
        new("num.partitions", o => Text(o.NumPartitions), "Partitions of an auto-created topic.",
            (s, v) => s.Options.NumPartitions = ConfigValues.Int(v, 1)),
        new("default.replication.factor", o => Text(o.DefaultReplicationFactor), "Replication factor of an auto-created topic.",
            (s, v) => s.Options.DefaultReplicationFactor = ConfigValues.Short(v, 1)),
        new("auto.create.topics.enable", o => o.AutoCreateTopicsEnable ? "true" : "false",
            "Create a topic when a client asks for an unknown one.",
            (s, v) => s.Options.AutoCreateTopicsEnable = ConfigValues.Bool(v)),
        new("max.partitions.per.request", o => Text(o.MaxPartitionsPerRequest),
            "Partitions one CreateTopics or CreatePartitions request may add in total (POLICY_VIOLATION past it).",
            (s, v) => s.Options.MaxPartitionsPerRequest = ConfigValues.Int(v, 1)),
        new("max.broker.partitions", o => Text(o.MaxBrokerPartitions),
            "Partitions the broker may hold in total; creating more (by request or auto-creation) is POLICY_VIOLATION.",
            (s, v) => s.Options.MaxBrokerPartitions = ConfigValues.Int(v, 1)),
        new("log.max.open.segment.files", o => o.LogMaxOpenSegmentFiles == 0 ? "(half the open-files soft limit)" : Text(o.LogMaxOpenSegmentFiles),
            "Segment files kept open at once; others are opened when read (0: half the RLIMIT_NOFILE soft limit).",
            (s, v) => s.Options.LogMaxOpenSegmentFiles = ConfigValues.Int(v, 0)),
        new("log.segment.bytes", o => Text(o.LogSegmentBytes), "Roll a new segment past this size.",
            (s, v) => s.Options.LogSegmentBytes = ConfigValues.Int(v, 14)),
        new("log.roll.hours", o => Text(o.LogRollMs / MsPerHour), "Roll a new segment after this age (overridden by log.roll.ms).",
            (s, v) => s.Options.LogRollMs = ConfigValues.ScaledMs(v, 1, MsPerHour)),
        new("log.roll.ms", o => Text(o.LogRollMs), "Roll a new segment after this age.",
            (s, v) => s.Options.LogRollMs = ConfigValues.Long(v, 1)),
        new("log.retention.hours", o => Text(o.LogRetentionMs / MsPerHour), "Delete segments older than this; -1 keeps forever.",
            (s, v) => s.Options.LogRetentionMs = ConfigValues.ScaledMs(v, -1, MsPerHour)),
        new("log.retention.minutes", o => Text(o.LogRetentionMs / MsPerMinute), "Overrides log.retention.hours.",
            (s, v) => s.Options.LogRetentionMs = ConfigValues.ScaledMs(v, -1, MsPerMinute)),
        new("log.retention.ms", o => Text(o.LogRetentionMs), "Overrides log.retention.minutes and .hours.",
            (s, v) => s.Options.LogRetentionMs = ConfigValues.Long(v, -1)),
        new("log.retention.bytes", o => Text(o.LogRetentionBytes), "Delete old segments past this partition size; -1 is unlimited.",
            (s, v) => s.Options.LogRetentionBytes = ConfigValues.Long(v, -1)),
        new("log.retention.check.interval.ms", o => Text(o.LogRetentionCheckIntervalMs), "How often retention runs.",
            (s, v) => s.Options.LogRetentionCheckIntervalMs = ConfigValues.Long(v, 1)),
        new("message.max.bytes", o => Text(o.MessageMaxBytes), "Largest record batch accepted.",
            (s, v) => s.Options.MessageMaxBytes = ConfigValues.Int(v, 0)),
        new("log.flush.interval.messages", o => Optional(o.LogFlushIntervalMessages),
            "Fsync after this many messages; unset means fsync before every acknowledgement.",
            (s, v) => s.Options.LogFlushIntervalMessages = ConfigValues.Long(v, 1)),
        new("log.flush.interval.ms", o => Optional(o.LogFlushIntervalMs),
            "Fsync at least this often; unset means fsync before every acknowledgement.",
            (s, v) => s.Options.LogFlushIntervalMs = ConfigValues.Long(v, 0)),
        new("log.message.timestamp.type", o => o.LogMessageTimestampType, "CreateTime or LogAppendTime.",
            (s, v) => s.Options.LogMessageTimestampType = ConfigValues.TimestampType(v)),
        new("socket.request.max.bytes", o => Text(o.SocketRequestMaxBytes), "A larger request frame closes the connection.",
            (s, v) => s.Options.SocketRequestMaxBytes = ConfigValues.Int(v, 1)),
        new("group.initial.rebalance.delay.ms", o => Text(o.GroupInitialRebalanceDelayMs), "Wait for more members before the first rebalance.",
            (s, v) => s.Options.GroupInitialRebalanceDelayMs = ConfigValues.Int(v, 0)),
        new("offsets.retention.minutes", o => Text(o.OffsetsRetentionMinutes), "Keep committed offsets of empty groups this long.",
            (s, v) => s.Options.OffsetsRetentionMinutes = ConfigValues.Int(v, 1)),
        new("offsets.retention.check.interval.ms", o => Text(o.OffsetsRetentionCheckIntervalMs), "How often expired offsets are removed.",
            (s, v) => s.Options.OffsetsRetentionCheckIntervalMs = ConfigValues.Long(v, 1)),
        new("offset.metadata.max.bytes", o => Text(o.OffsetMetadataMaxBytes), "Largest metadata string an offset commit may carry.",
            (s, v) => s.Options.OffsetMetadataMaxBytes = ConfigValues.Int(v, 0)),
        new("group.min.session.timeout.ms", o => Text(o.GroupMinSessionTimeoutMs), "Smallest session timeout a group member may ask for.",
            (s, v) => s.Options.GroupMinSessionTimeoutMs = ConfigValues.Int(v, 1)),
        new("group.max.session.timeout.ms", o => Text(o.GroupMaxSessionTimeoutMs), "Largest session timeout a group member may ask for.",
            (s, v) => s.Options.GroupMaxSessionTimeoutMs = ConfigValues.Int(v, 1)),
        new("group.max.size", o => Text(o.GroupMaxSize), "Most members a classic group may have.",
            (s, v) => s.Options.GroupMaxSize = ConfigValues.Int(v, 1)),
        new("group.consumer.heartbeat.interval.ms", o => Text(o.GroupConsumerHeartbeatIntervalMs), "Heartbeat interval given to consumer (KIP-848) group members.",
            (s, v) => s.Options.GroupConsumerHeartbeatIntervalMs = ConfigValues.Int(v, 1)),
        new("group.consumer.session.timeout.ms", o => Text(o.GroupConsumerSessionTimeoutMs), "Session timeout of consumer (KIP-848) group members.",
            (s, v) => s.Options.GroupConsumerSessionTimeoutMs = ConfigValues.Int(v, 1)),
        new("group.consumer.min.session.timeout.ms", o => Text(o.GroupConsumerMinSessionTimeoutMs), "Smallest consumer.session.timeout.ms a consumer group may be configured with.",
            (s, v) => s.Options.GroupConsumerMinSessionTimeoutMs = ConfigValues.Int(v, 1)),
        new("group.consumer.max.session.timeout.ms", o => Text(o.GroupConsumerMaxSessionTimeoutMs), "Largest consumer.session.timeout.ms a consumer group may be configured with.",
            (s, v) => s.Options.GroupConsumerMaxSessionTimeoutMs = ConfigValues.Int(v, 1)),
        new("group.consumer.min.heartbeat.interval.ms", o => Text(o.GroupConsumerMinHeartbeatIntervalMs), "Smallest consumer.heartbeat.interval.ms a consumer group may be configured with.",
            (s, v) => s.Options.GroupConsumerMinHeartbeatIntervalMs = ConfigValues.Int(v, 1)),
        new("group.consumer.max.heartbeat.interval.ms", o => Text(o.GroupConsumerMaxHeartbeatIntervalMs), "Largest consumer.heartbeat.interval.ms a consumer group may be configured with.",
            (s, v) => s.Options.GroupConsumerMaxHeartbeatIntervalMs = ConfigValues.Int(v, 1)),
        new("group.share.max.size", o => Text(o.GroupShareMaxSize), "Most members a share group may have.",
            (s, v) => s.Options.GroupShareMaxSize = ConfigValues.Int(v, 1)),
        new("group.share.delivery.count.limit", o => Text(o.GroupShareDeliveryCountLimit), "Deliveries of a share group record before it is archived.",
            (s, v) => s.Options.GroupShareDeliveryCountLimit = ConfigValues.Int(v, 2)),
        new("group.share.record.lock.duration.ms", o => Text(o.GroupShareRecordLockDurationMs), "How long a share group member holds the records it acquired.",
            (s, v) => s.Options.GroupShareRecordLockDurationMs = ConfigValues.Int(v, 1000)),
        new("group.share.session.timeout.ms", o => Text(o.GroupShareSessionTimeoutMs), "Session timeout of share group members.",
            (s, v) => s.Options.GroupShareSessionTimeoutMs = ConfigValues.Int(v, 1)),
        new("group.share.heartbeat.interval.ms", o => Text(o.GroupShareHeartbeatIntervalMs), "Heartbeat interval given to share group members.",
            (s, v) => s.Options.GroupShareHeartbeatIntervalMs = ConfigValues.Int(v, 1)),
        new("transaction.max.timeout.ms", o => Text(o.TransactionMaxTimeoutMs), "Largest transaction timeout a producer may ask for.",
            (s, v) => s.Options.TransactionMaxTimeoutMs = ConfigValues.Int(v, 1)),
        new("quota.window.num", o => Text(o.QuotaWindowNum), "Samples kept for client quota rates.",
            (s, v) => s.Options.QuotaWindowNum = ConfigValues.Int(v, 1)),
        new("quota.window.size.seconds", o => Text(o.QuotaWindowSizeSeconds), "Length of one client quota sample.",
            (s, v) => s.Options.QuotaWindowSizeSeconds = ConfigValues.Int(v, 1)),
        new("producer.id.expiration.ms", o => Text(o.ProducerIdExpirationMs), "A partition forgets a producer idle this long.",
            (s, v) => s.Options.ProducerIdExpirationMs = ConfigValues.Long(v, 1)),
        new("producer.id.expiration.check.interval.ms", o => Text(o.ProducerIdExpirationCheckIntervalMs), "How often idle producers are removed.",
            (s, v) => s.Options.ProducerIdExpirationCheckIntervalMs = ConfigValues.Long(v, 1)),
        new("transactional.id.expiration.ms", o => Text(o.TransactionalIdExpirationMs), "The coordinator forgets a transactional id idle this long.",
            (s, v) => s.Options.TransactionalIdExpirationMs = ConfigValues.Long(v, 1)),
        new("authorizer.class.name", o => o.AuthorizerClassName.Length == 0 ? "(unset)" : o.AuthorizerClassName,
            "Any non-empty name (e.g. org.apache.kafka.metadata.authorizer.StandardAuthorizer) turns on ACL checks.",
            (s, v) => s.Options.AuthorizerClassName = v.Trim()),
        new("allow.everyone.if.no.acl.found", o => o.AllowEveryoneIfNoAclFound ? "true" : "false",
            "With the authorizer on: a resource without any ACL is open to everyone.",
            (s, v) => s.Options.AllowEveryoneIfNoAclFound = ConfigValues.Bool(v)),
        new("super.users", o => o.SuperUsers.Length == 0 ? "(unset)" : o.SuperUsers,
            "Principals (User:name) separated by ';' that pass every ACL check.",
            (s, v) => s.Options.SuperUsers = SuperUsers(v)),
        new("client.telemetry.enable", o => o.ClientTelemetryEnable ? "true" : "false",
            "Advertise KIP-714 client telemetry (GetTelemetrySubscriptions, PushTelemetry); pushed metrics are dropped.",
            (s, v) => s.Options.ClientTelemetryEnable = ConfigValues.Bool(v)),
        new("schema.registry.enable", o => o.SchemaRegistryEnabled ? "true" : "false",
            "Serve the built-in Schema Registry (Confluent's REST API, state in the _schemas topic).",
            (s, v) => s.Options.SchemaRegistryEnabled = ConfigValues.Bool(v)),
        new("schema.registry.port", o => Text(o.SchemaRegistryPort), "HTTP port of the built-in Schema Registry (0: a free port).",
            (s, v) => s.Options.SchemaRegistryPort = ConfigValues.Int(v, 0, 65535)),
        new("max.connections", o => Text(o.MaxConnections), "Refuse connections past this count.",
            (s, v) => s.Options.MaxConnections = ConfigValues.Int(v, 0)),
        new("num.io.threads", o => Text(o.IoThreads), "Threads that handle requests.",
            (s, v) => s.Options.IoThreads = ConfigValues.Int(v, 1)),
    ];

    private static readonly Dictionary<string, ServerProperty> s_byKey = All.ToDictionary(p => p.Key, StringComparer.Ordinal);

    public static ServerProperty? Find(string key) => s_byKey.GetValueOrDefault(key) ?? SecurityProperties.FindPrefixed(key);

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

    private static string Optional(long? value) => value is { } v ? Text(v) : "(unset)";
}
