namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// The state of an in-flight record of a share partition (KIP-932), with Kafka's ids: the persisted
/// state batches carry 0, 2 or 4; 1 (acquired) lives only in memory.
/// </summary>
public enum DeliveryState : byte
{
    Available = 0,
    Acquired = 1,
    Acknowledged = 2,
    Archived = 4,
}
