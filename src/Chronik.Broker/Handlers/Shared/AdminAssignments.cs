namespace Chronik.Broker.Handlers;

/// <summary>Kafka's checks of a manual replica list, for a cluster whose only broker is this node.</summary>
internal static class AdminAssignments
{
    /// <summary>Null when <paramref name="brokerIds"/> is exactly [this node], else Kafka's INVALID_REPLICA_ASSIGNMENT message.</summary>
    public static string? Check(List<int> brokerIds, int nodeId)
    {
        if (brokerIds.Count == 0) return "The manual partition assignment includes an empty replica list.";
        foreach (int id in brokerIds)
        {
            if (id != nodeId) return $"The manual partition assignment includes broker {id}, but no such broker is registered.";
        }
        if (brokerIds.Count > 1) return $"The manual partition assignment includes the broker {nodeId} more than once.";
        return null;
    }
}
