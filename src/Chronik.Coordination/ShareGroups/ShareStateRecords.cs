namespace Chronik.Coordination.ShareGroups;

/// <summary>One persisted state batch (Kafka's StateBatch of ShareSnapshotValue/ShareUpdateValue).</summary>
public readonly record struct ShareStateBatch(long FirstOffset, long LastOffset, DeliveryState DeliveryState, short DeliveryCount);

/// <summary>The key of a share partition's state in <c>__share_group_state</c> (ShareSnapshotKey/ShareUpdateKey).</summary>
public readonly record struct SharePartitionKey(string GroupId, Guid TopicId, int Partition);

/// <summary>A value of <c>__share_group_state</c>: a snapshot or an update, both keyed by <see cref="SharePartitionKey"/>.</summary>
public abstract record ShareStateValue(SharePartitionKey Key, int SnapshotEpoch, int LeaderEpoch, long StartOffset, int DeliveryCompleteCount,
    IReadOnlyList<ShareStateBatch> StateBatches);

/// <summary>ShareSnapshotValue (record type 0): the whole state of a share partition.</summary>
public sealed record ShareSnapshotRecord(SharePartitionKey Key, int SnapshotEpoch, int StateEpoch, int LeaderEpoch, long StartOffset,
    int DeliveryCompleteCount, long CreateTimestampMs, long WriteTimestampMs, IReadOnlyList<ShareStateBatch> StateBatches)
    : ShareStateValue(Key, SnapshotEpoch, LeaderEpoch, StartOffset, DeliveryCompleteCount, StateBatches);

/// <summary>ShareUpdateValue (record type 1): the batches changed since the snapshot it names; StartOffset -1 when unchanged.</summary>
public sealed record ShareUpdateRecord(SharePartitionKey Key, int SnapshotEpoch, int LeaderEpoch, long StartOffset,
    int DeliveryCompleteCount, IReadOnlyList<ShareStateBatch> StateBatches)
    : ShareStateValue(Key, SnapshotEpoch, LeaderEpoch, StartOffset, DeliveryCompleteCount, StateBatches);
