namespace Chronik.Broker.Services;

/// <summary>max.partitions.per.request: the most partitions one CreateTopics or CreatePartitions request may add in total.</summary>
public static class PartitionRequestLimit
{
    public const string Key = "max.partitions.per.request";

    /// <summary>
    /// Null when <paramref name="requested"/> partitions are within <paramref name="limit"/>, else the POLICY_VIOLATION
    /// message every topic of the request gets (Kafka's controller words its own fixed 10,000 cap the same way).
    /// </summary>
    public static string? Check(long requested, int limit) =>
        requested <= limit ? null
            : $"Excessively large number of partitions per request: {requested} requested, more than {Key}={limit}.";
}
