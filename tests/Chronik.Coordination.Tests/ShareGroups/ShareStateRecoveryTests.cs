using Chronik.Coordination.ShareGroups;

namespace Chronik.Coordination.Tests.ShareGroups;

public sealed class ShareStateRecoveryTests
{
    [Fact]
    public void After_a_crash_acquired_records_are_available_again_and_acknowledged_ones_never_return()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        h.Ack("m1", 0, 2, AcknowledgeType.Accept);
        h.Ack("m1", 3, 3, AcknowledgeType.Reject);
        h.Acquire("m2", 10, 19);
        h.Ack("m2", 10, 14, AcknowledgeType.Release);
        h.Ack("m2", 17, 17, AcknowledgeType.Accept);

        h.Crash();

        Assert.Equal(4, h.Partition.StartOffset);
        Assert.Equal(20, h.Partition.FirstUnfetchedOffset);
        Assert.Equal(
            [
                new ShareInFlightBatch(4, 16, DeliveryState.Available, 1, null),
                new ShareInFlightBatch(17, 17, DeliveryState.Acknowledged, 1, null),
                new ShareInFlightBatch(18, 19, DeliveryState.Available, 1, null),
            ], h.InFlight);
        Assert.Equal(4, h.Partition.NextFetchOffset);
        // A new fetch reads the log from 0 again; only unfinished offsets are delivered, as a second delivery.
        var r = h.Acquire("m3", 0, 24);
        Assert.Equal([new AcquiredRange(4, 16, 2), new AcquiredRange(18, 19, 2), new AcquiredRange(20, 24, 1)], r.Acquired);
        Assert.DoesNotContain(r.Acquired, a => a.FirstOffset <= 17 && a.LastOffset >= 17);
    }

    [Fact]
    public void The_delivery_limit_still_holds_across_crashes()
    {
        var h = new SharePartitionHarness(config: new SharePartitionConfig { DeliveryCountLimit = 3 });
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, h.Acquire("m1", 0, 0).Count);
            Assert.Equal(new ShareInFlightBatch(0, 0, DeliveryState.Acquired, i + 1, "m1"), Assert.Single(h.InFlight));
            h.Crash();
        }
        // The third delivery was the last: it ended with the crash, so the record is archived, never delivered again.
        Assert.Empty(h.InFlight);
        Assert.Equal(1, h.Partition.StartOffset);
        Assert.Equal([new AcquiredRange(1, 1, 1)], h.Acquire("m1", 0, 1).Acquired);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(500)]
    public void Replaying_snapshots_and_updates_gives_the_state_before_the_crash(int updatesPerSnapshot)
    {
        var h = new SharePartitionHarness(config: new SharePartitionConfig { UpdatesPerSnapshot = updatesPerSnapshot, DeliveryCountLimit = 100 });
        var rng = new Random(7);
        string[] members = ["a", "b", "c"];
        for (int step = 0; step < 300; step++)
        {
            string m = members[rng.Next(members.Length)];
            switch (rng.Next(4))
            {
                case 0:
                    h.Acquire(m, h.Partition.NextFetchOffset, h.Partition.NextFetchOffset + 20, maxRecords: rng.Next(1, 8));
                    break;
                case 1:
                    h.Clock.Advance(rng.Next(0, 20_000));
                    h.Keep(h.Partition.ReleaseExpiredLocks());
                    break;
                default:
                    foreach (var b in h.InFlight.Where(b => b.State == DeliveryState.Acquired && b.MemberId == m).Take(2).ToList())
                    {
                        var type = (AcknowledgeType)rng.Next(1, 4);
                        Assert.True(h.Ack(m, b.FirstOffset, b.LastOffset, type).Succeeded);
                    }
                    break;
            }
        }
        var expected = Normalise(h.InFlight, h.Partition.StartOffset);
        long start = h.Partition.StartOffset, end = h.Partition.FirstUnfetchedOffset;
        h.Crash();
        Assert.Equal(start, h.Partition.StartOffset);
        Assert.Equal(end, h.Partition.FirstUnfetchedOffset);
        Assert.Equal(expected, Normalise(h.InFlight, start));
    }

    /// <summary>Per offset from the start: (state with acquired as available, delivery count).</summary>
    private static List<(DeliveryState, int)> Normalise(IReadOnlyList<ShareInFlightBatch> batches, long start)
    {
        var result = new List<(DeliveryState, int)>();
        foreach (var b in batches)
        {
            for (long o = Math.Max(b.FirstOffset, start); o <= b.LastOffset; o++)
            {
                result.Add((b.State == DeliveryState.Acquired ? DeliveryState.Available : b.State, b.DeliveryCount));
            }
        }
        return result;
    }

    [Fact]
    public void Offsets_between_persisted_batches_come_back_as_fresh_records()
    {
        var key = SharePartitionHarness.Key;
        var snapshot = new ShareSnapshotRecord(key, 0, 0, 0, 0, -1, 0, 0,
            [new ShareStateBatch(3, 4, DeliveryState.Acknowledged, 1), new ShareStateBatch(8, 9, DeliveryState.Available, 2)]);
        var state = ShareStateCombiner.Combine([snapshot])!;
        var p = SharePartition.Recover(key, state, 0, new SharePartitionConfig(), new ManualClock());
        Assert.Equal(
            [
                new ShareInFlightBatch(0, 2, DeliveryState.Available, 0, null),
                new ShareInFlightBatch(3, 4, DeliveryState.Acknowledged, 1, null),
                new ShareInFlightBatch(5, 7, DeliveryState.Available, 0, null),
                new ShareInFlightBatch(8, 9, DeliveryState.Available, 2, null),
            ], p.InFlight());
        var r = p.Acquire("m", 10, [new LogBatchBounds(0, 11)]);
        Assert.Equal([new AcquiredRange(0, 2, 1), new AcquiredRange(5, 7, 1), new AcquiredRange(8, 9, 3), new AcquiredRange(10, 11, 1)], r.Acquired);
    }

    [Fact]
    public void The_combiner_lays_newer_batches_over_older_ones_and_drops_what_is_below_the_start()
    {
        var key = SharePartitionHarness.Key;
        var snapshot = new ShareSnapshotRecord(key, 2, 0, 0, 0, -1, 0, 0, [new ShareStateBatch(0, 9, DeliveryState.Available, 1)]);
        ShareStateValue[] log =
        [
            new ShareSnapshotRecord(key, 1, 0, 0, 0, -1, 0, 0, [new ShareStateBatch(0, 99, DeliveryState.Archived, 9)]),
            new ShareUpdateRecord(key, 1, 0, 50, -1, [new ShareStateBatch(60, 60, DeliveryState.Acknowledged, 1)]),
            snapshot,
            new ShareUpdateRecord(key, 1, 0, 5, -1, [new ShareStateBatch(0, 9, DeliveryState.Archived, 5)]), // an older snapshot's: ignored
            new ShareUpdateRecord(key, 2, 0, -1, -1, [new ShareStateBatch(3, 5, DeliveryState.Acknowledged, 1)]),
            new ShareUpdateRecord(key, 2, 3, 2, -1, [new ShareStateBatch(5, 12, DeliveryState.Available, 2)]),
        ];
        var state = ShareStateCombiner.Combine(log)!;
        Assert.Equal(2, state.StartOffset);
        Assert.Equal(3, state.LeaderEpoch);
        Assert.Equal(
            [
                new ShareStateBatch(2, 2, DeliveryState.Available, 1),
                new ShareStateBatch(3, 4, DeliveryState.Acknowledged, 1),
                new ShareStateBatch(5, 12, DeliveryState.Available, 2),
            ], state.StateBatches);
        Assert.Null(ShareStateCombiner.Combine([new ShareUpdateRecord(key, 0, 0, 0, -1, [])]));
    }
}
