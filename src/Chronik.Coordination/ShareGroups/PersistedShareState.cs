namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// What <c>__share_group_state</c> says about one share partition once its last snapshot and the updates
/// after it are combined: the start offset and the non-overlapping state batches above it, in offset order.
/// </summary>
public sealed record PersistedShareState(int SnapshotEpoch, int StateEpoch, int LeaderEpoch, long StartOffset, long CreateTimestampMs,
    IReadOnlyList<ShareStateBatch> StateBatches);
