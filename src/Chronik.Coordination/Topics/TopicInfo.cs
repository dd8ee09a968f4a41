using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Coordination.Topics;

/// <summary>A topic as the cluster knows it: name, id, partition count and the configs set on it.</summary>
public sealed class TopicInfo
{
    public required string Name { get; init; }
    public required Guid Id { get; init; }
    public required int PartitionCount { get; set; }
    /// <summary>Configs explicitly set on the topic (overrides of the broker defaults).</summary>
    public Dictionary<string, string> Configs { get; init; } = new(StringComparer.Ordinal);
    public bool IsInternal => TopicNames.IsInternal(Name);
}

/// <summary>The broker-level settings topics fall back to.</summary>
public sealed class TopicDefaults
{
    /// <summary>The server.properties key of <see cref="MaxBrokerPartitions"/>, named in its error messages.</summary>
    public static readonly string MaxBrokerPartitionsKey = BrokerConfigKeys.MaxBrokerPartitions.Name;

    public int NumPartitions { get; init; } = 1;
    public short ReplicationFactor { get; init; } = 1;
    public bool AutoCreateTopics { get; init; } = true;
    /// <summary>max.broker.partitions: the most partitions the broker holds; creating more is POLICY_VIOLATION (internal topics are exempt).</summary>
    public int MaxBrokerPartitions { get; init; } = int.MaxValue;
    /// <summary>
    /// Broker defaults keyed by topic config name (e.g. "retention.ms" from log.retention.ms); absent means Kafka's default.
    /// Replaced whole (never mutated in place) when a dynamic broker config changes, see <see cref="TopicManager.SetTopicConfigDefaults"/>.
    /// </summary>
    public Dictionary<string, string> TopicConfigDefaults { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Result of a topic operation, as a Kafka error code and message.</summary>
public readonly record struct TopicResult(Protocol.Messages.ErrorCode Error, string? Message = null, TopicInfo? Topic = null)
{
    public static TopicResult Ok(TopicInfo t) => new(Protocol.Messages.ErrorCode.None, null, t);
}
