using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Services;

/// <summary>max.partitions.per.request: the most partitions one CreateTopics or CreatePartitions request may add in total.</summary>
public static class PartitionRequestLimit
{
    public static readonly string Key = BrokerConfigKeys.MaxPartitionsPerRequest.Name;

    /// <summary>
    /// Null when <paramref name="requested"/> partitions are within <paramref name="limit"/>, else the POLICY_VIOLATION
    /// message every topic of the request gets (Kafka's controller words its own fixed 10,000 cap the same way).
    /// </summary>
    public static string? Check(long requested, int limit) =>
        requested <= limit ? null
            : $"Excessively large number of partitions per request: {requested} requested, more than {Key}={limit}.";
}
