using Chronik.Coordination.ShareGroups;

namespace Chronik.Coordination.Tests.ShareGroups;

/// <summary>A share partition with a manual clock and the state log it wrote, for replaying after a "crash".</summary>
internal sealed class SharePartitionHarness
{
    public static readonly SharePartitionKey Key = new("g", Guid.Parse("11111111-2222-3333-4444-555555555555"), 0);

    public ManualClock Clock { get; } = new();
    public List<ShareStateValue> Log { get; } = [];
    public SharePartition Partition { get; private set; }
    public SharePartitionConfig Config { get; }

    public SharePartitionHarness(long startOffset = 0, SharePartitionConfig? config = null)
    {
        Config = config ?? new SharePartitionConfig();
        Partition = SharePartition.Initialize(Key, startOffset, 0, 0, Config, Clock, out var snapshot);
        Log.Add(snapshot);
    }

    /// <summary>Acquires from log batches of <paramref name="batchSize"/> records spanning [first, last].</summary>
    public ShareAcquireResult Acquire(string member, long first, long last, int maxRecords = 500, int batchSize = 1,
        ShareAcquireMode mode = ShareAcquireMode.BatchOptimized)
    {
        var batches = new List<LogBatchBounds>();
        for (long o = first; o <= last; o += batchSize) batches.Add(new LogBatchBounds(o, Math.Min(last, o + batchSize - 1)));
        var r = Partition.Acquire(member, maxRecords, batches.ToArray(), mode);
        Keep(r.Record);
        return r;
    }

    public ShareAckResult Ack(string member, long first, long last, AcknowledgeType type) => Ack(member, new ShareAcknowledgementBatch(first, last, type));

    public ShareAckResult Ack(string member, params ShareAcknowledgementBatch[] batches)
    {
        var r = Partition.Acknowledge(member, batches);
        Keep(r.Record);
        return r;
    }

    public void Keep(ShareStateValue? record)
    {
        if (record is not null) Log.Add(record);
    }

    /// <summary>Throws the partition away and rebuilds it from what it persisted.</summary>
    public void Crash()
    {
        var state = ShareStateCombiner.Combine(Log)!;
        Partition = SharePartition.Recover(Key, state, 1, Config, Clock);
    }

    public IReadOnlyList<ShareInFlightBatch> InFlight => Partition.InFlight();
}
