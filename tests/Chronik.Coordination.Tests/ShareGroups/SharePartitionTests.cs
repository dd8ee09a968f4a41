using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests.ShareGroups;

public sealed class SharePartitionTests
{
    [Fact]
    public void A_first_fetch_acquires_new_records_with_delivery_count_one()
    {
        var h = new SharePartitionHarness();
        var r = h.Acquire("m1", 0, 9);
        Assert.Equal([new AcquiredRange(0, 9, 1)], r.Acquired);
        Assert.Equal(10, r.Count);
        Assert.Equal([new ShareInFlightBatch(0, 9, DeliveryState.Acquired, 1, "m1")], h.InFlight);
        Assert.Equal(0, h.Partition.StartOffset);
        Assert.Equal(10, h.Partition.FirstUnfetchedOffset);
        Assert.Equal(10, h.Partition.NextFetchOffset);
        var update = Assert.IsType<ShareUpdateRecord>(r.Record);
        Assert.Equal([new ShareStateBatch(0, 9, DeliveryState.Available, 1)], update.StateBatches);
    }

    [Theory]
    [InlineData(AcknowledgeType.Accept, DeliveryState.Acknowledged, 10)]
    [InlineData(AcknowledgeType.Reject, DeliveryState.Archived, 10)]
    [InlineData(AcknowledgeType.Gap, DeliveryState.Archived, 10)]
    [InlineData(AcknowledgeType.Release, DeliveryState.Available, 0)]
    [InlineData(AcknowledgeType.Renew, DeliveryState.Acquired, 0)]
    public void Each_acknowledge_type_moves_the_records_to_its_state(AcknowledgeType type, DeliveryState expected, long expectedStart)
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        var r = h.Ack("m1", 0, 9, type);
        Assert.True(r.Succeeded, r.Message);
        Assert.Equal(expectedStart, h.Partition.StartOffset);
        if (expectedStart == 10)
        {
            Assert.Empty(h.InFlight);
            Assert.Equal(10, h.Partition.NextFetchOffset);
            var update = Assert.IsType<ShareUpdateRecord>(r.Record);
            Assert.Equal(10, update.StartOffset);
        }
        else
        {
            var b = Assert.Single(h.InFlight);
            Assert.Equal(expected, b.State);
            Assert.Equal(1, b.DeliveryCount);
        }
    }

    [Fact]
    public void Released_records_are_delivered_again_with_a_higher_delivery_count()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        Assert.True(h.Ack("m1", 3, 5, AcknowledgeType.Release).Succeeded);
        Assert.Equal(3, h.Partition.NextFetchOffset);
        var r = h.Acquire("m2", 3, 12);
        Assert.Equal([new AcquiredRange(3, 5, 2), new AcquiredRange(10, 12, 1)], r.Acquired);
        Assert.Equal(6, r.Count);
    }

    [Fact]
    public void Renew_restarts_the_lock_without_a_new_delivery()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        h.Clock.Advance(20_000);
        var r = h.Ack("m1", 0, 9, AcknowledgeType.Renew);
        Assert.True(r.Succeeded);
        Assert.Null(r.Record);
        h.Clock.Advance(20_000);
        Assert.Null(h.Partition.ReleaseExpiredLocks());
        Assert.Equal(DeliveryState.Acquired, Assert.Single(h.InFlight).State);
        h.Clock.Advance(10_000);
        h.Keep(h.Partition.ReleaseExpiredLocks());
        Assert.Equal(new ShareInFlightBatch(0, 9, DeliveryState.Available, 1, null), Assert.Single(h.InFlight));
    }

    [Fact]
    public void An_expired_lock_releases_the_records_for_redelivery()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        Assert.Equal(h.Clock.NowMs + 30_000, h.Partition.NextLockDeadlineMs);
        h.Clock.Advance(29_999);
        Assert.Null(h.Partition.ReleaseExpiredLocks());
        h.Clock.Advance(1);
        var record = Assert.IsType<ShareUpdateRecord>(h.Partition.ReleaseExpiredLocks());
        Assert.Equal([new ShareStateBatch(0, 9, DeliveryState.Available, 1)], record.StateBatches);
        Assert.Equal(0, h.Partition.NextFetchOffset);
        Assert.Equal(long.MaxValue, h.Partition.NextLockDeadlineMs);
        // The late owner can no longer acknowledge them.
        Assert.Equal(ShareErrorCodes.InvalidRecordState, h.Ack("m1", 0, 9, AcknowledgeType.Accept).Error);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Reaching_the_delivery_count_limit_archives_instead_of_releasing(int limit)
    {
        var h = new SharePartitionHarness(config: new SharePartitionConfig { DeliveryCountLimit = limit });
        for (int delivery = 1; delivery <= limit; delivery++)
        {
            var r = h.Acquire("m1", 0, 4);
            Assert.Equal([new AcquiredRange(0, 4, (short)delivery)], r.Acquired);
            h.Clock.Advance(30_000);
            h.Keep(h.Partition.ReleaseExpiredLocks());
        }
        Assert.Empty(h.InFlight);
        Assert.Equal(5, h.Partition.StartOffset);
        Assert.Equal(5, h.Partition.NextFetchOffset);
    }

    [Fact]
    public void A_release_at_the_limit_archives_too()
    {
        var h = new SharePartitionHarness(config: new SharePartitionConfig { DeliveryCountLimit = 2 });
        h.Acquire("m1", 0, 0);
        h.Ack("m1", 0, 0, AcknowledgeType.Release);
        h.Acquire("m1", 0, 0);
        Assert.True(h.Ack("m1", 0, 0, AcknowledgeType.Release).Succeeded);
        Assert.Empty(h.InFlight);
        Assert.Equal(1, h.Partition.StartOffset);
    }

    [Fact]
    public void The_start_offset_advances_only_over_a_finished_head()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        h.Ack("m1", 5, 9, AcknowledgeType.Accept);
        Assert.Equal(0, h.Partition.StartOffset);
        Assert.Equal(5, h.Partition.DeliveryCompleteCount);
        h.Ack("m1", 0, 1, AcknowledgeType.Reject);
        Assert.Equal(2, h.Partition.StartOffset);
        h.Ack("m1", 2, 4, AcknowledgeType.Accept);
        Assert.Equal(10, h.Partition.StartOffset);
        Assert.Empty(h.InFlight);
        Assert.Equal(0, h.Partition.DeliveryCompleteCount);
    }

    [Fact]
    public void Per_offset_acknowledge_types_apply_offset_by_offset()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 4);
        var r = h.Ack("m1", new ShareAcknowledgementBatch(0, 4, [2, 1, 3, 1, 0]));
        Assert.True(r.Succeeded, r.Message);
        Assert.Equal(
            [
                new ShareInFlightBatch(0, 0, DeliveryState.Available, 1, null),
                new ShareInFlightBatch(1, 1, DeliveryState.Acknowledged, 1, null),
                new ShareInFlightBatch(2, 2, DeliveryState.Archived, 1, null),
                new ShareInFlightBatch(3, 3, DeliveryState.Acknowledged, 1, null),
                new ShareInFlightBatch(4, 4, DeliveryState.Archived, 1, null),
            ], h.InFlight);
    }

    [Theory]
    [InlineData(100, 10, ShareAcquireMode.BatchOptimized, 99)]
    [InlineData(100, 30, ShareAcquireMode.BatchOptimized, 119)]
    [InlineData(100, 30, ShareAcquireMode.RecordLimit, 99)]
    [InlineData(150, 1, ShareAcquireMode.BatchOptimized, 149)]
    public void The_record_lock_cap_bounds_new_acquisitions(int maxLocks, int batchSize, ShareAcquireMode mode, long expectedLast)
    {
        var h = new SharePartitionHarness(config: new SharePartitionConfig { MaxRecordLocks = maxLocks });
        var r = h.Acquire("m1", 0, 999, maxRecords: 10_000, batchSize: batchSize, mode: mode);
        Assert.Equal([new AcquiredRange(0, expectedLast, 1)], r.Acquired);
        Assert.False(h.Partition.CanAcquire);
        Assert.Same(ShareAcquireResult.Empty, h.Acquire("m2", expectedLast + 1, 999, batchSize: batchSize));
        // Released records can still be redelivered at the cap, and finishing the head makes room.
        h.Ack("m1", 0, 9, AcknowledgeType.Release);
        Assert.True(h.Partition.CanAcquire);
        Assert.Equal([new AcquiredRange(0, 9, 2)], h.Acquire("m2", 0, 999, batchSize: 1).Acquired.Take(1));
        h.Ack("m2", 0, 9, AcknowledgeType.Accept);
        Assert.Equal(10, h.Partition.StartOffset);
        Assert.Equal(expectedLast + 1 - 10 < maxLocks, h.Partition.CanAcquire);
    }

    [Theory]
    [InlineData(ShareAcquireMode.BatchOptimized, 9)]
    [InlineData(ShareAcquireMode.RecordLimit, 6)]
    public void Max_records_is_soft_in_batch_mode_and_exact_in_record_limit_mode(ShareAcquireMode mode, long expectedLast)
    {
        var h = new SharePartitionHarness();
        var r = h.Acquire("m1", 0, 19, maxRecords: 7, batchSize: 5, mode: mode);
        Assert.Equal([new AcquiredRange(0, expectedLast, 1)], r.Acquired);
        Assert.Equal(expectedLast + 1, h.Partition.NextFetchOffset);
    }

    [Fact]
    public void Offsets_missing_from_the_log_are_archived()
    {
        var h = new SharePartitionHarness();
        var r = h.Acquire("m1", 5, 9);
        Assert.Equal([new AcquiredRange(5, 9, 1)], r.Acquired);
        Assert.Equal(5, h.Partition.StartOffset);
    }

    [Fact]
    public void Three_members_on_one_partition_acquire_disjoint_records()
    {
        var h = new SharePartitionHarness();
        var seen = new HashSet<long>();
        foreach (var m in new[] { "m1", "m2", "m3" })
        {
            long from = h.Partition.NextFetchOffset;
            var r = h.Acquire(m, from, 29, maxRecords: 10);
            Assert.Equal(10, r.Count);
            foreach (var a in r.Acquired)
            {
                for (long o = a.FirstOffset; o <= a.LastOffset; o++) Assert.True(seen.Add(o), $"offset {o} acquired twice");
            }
        }
        Assert.Equal(30, seen.Count);
        // Nothing is left to take until someone gives records back.
        Assert.False(h.Partition.NextFetchOffset < h.Partition.FirstUnfetchedOffset);
        h.Ack("m2", 10, 19, AcknowledgeType.Release);
        Assert.Equal([new AcquiredRange(10, 19, 2)], h.Acquire("m3", h.Partition.NextFetchOffset, 29, maxRecords: 10).Acquired);
        Assert.True(h.Ack("m1", 0, 9, AcknowledgeType.Accept).Succeeded);
        Assert.True(h.Ack("m3", new ShareAcknowledgementBatch(10, 19, AcknowledgeType.Accept), new ShareAcknowledgementBatch(20, 29, AcknowledgeType.Accept)).Succeeded);
        Assert.Equal(30, h.Partition.StartOffset);
    }

    public static TheoryData<string, ShareAcknowledgementBatch[], ErrorCode> InvalidAcks => new()
    {
        { "first after last", [new(5, 4, AcknowledgeType.Accept)], ErrorCode.InvalidRequest },
        { "overlapping batches", [new(0, 4, AcknowledgeType.Accept), new(4, 6, AcknowledgeType.Accept)], ErrorCode.InvalidRequest },
        { "unordered batches", [new(5, 6, AcknowledgeType.Accept), new(0, 1, AcknowledgeType.Accept)], ErrorCode.InvalidRequest },
        { "type count neither 1 nor the range", [new(0, 4, [1, 1])], ErrorCode.InvalidRequest },
        { "no types", [new(0, 4, [])], ErrorCode.InvalidRequest },
        { "unknown type", [new(0, 4, [7])], ErrorCode.InvalidRequest },
        { "past the acquired records", [new(12, 16, AcknowledgeType.Accept)], ErrorCode.InvalidRequest },
        { "held by another member", [new(10, 14, AcknowledgeType.Accept)], ShareErrorCodes.InvalidRecordState },
        { "already acknowledged", [new(7, 7, AcknowledgeType.Accept)], ShareErrorCodes.InvalidRecordState },
        { "released, not acquired", [new(8, 8, AcknowledgeType.Accept)], ShareErrorCodes.InvalidRecordState },
        { "one bad batch spoils the request", [new(0, 1, AcknowledgeType.Accept), new(7, 7, AcknowledgeType.Reject)], ShareErrorCodes.InvalidRecordState },
    };

    [Theory]
    [MemberData(nameof(InvalidAcks))]
    public void Invalid_acknowledgements_get_Kafkas_error_and_change_nothing(string why, ShareAcknowledgementBatch[] batches, ErrorCode expected)
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        h.Acquire("m2", 10, 14);
        h.Ack("m1", 7, 7, AcknowledgeType.Accept);
        h.Ack("m1", 8, 8, AcknowledgeType.Release);
        var before = h.InFlight;
        var r = h.Ack("m1", batches);
        Assert.True(expected == r.Error, $"{why}: {r.Error} ({r.Message})");
        Assert.Null(r.Record);
        Assert.Equal(before, h.InFlight);
    }

    [Fact]
    public void Renew_is_refused_when_disabled()
    {
        var h = new SharePartitionHarness(config: new SharePartitionConfig { RenewAcknowledgeEnabled = false });
        h.Acquire("m1", 0, 9);
        Assert.Equal(ErrorCode.InvalidRequest, h.Ack("m1", 0, 9, AcknowledgeType.Renew).Error);
    }

    [Fact]
    public void Acknowledgements_below_the_start_offset_are_skipped()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        h.Ack("m1", 0, 4, AcknowledgeType.Accept);
        var r = h.Ack("m1", 0, 9, AcknowledgeType.Accept);
        Assert.True(r.Succeeded, r.Message);
        Assert.Equal(10, h.Partition.StartOffset);
    }

    [Fact]
    public void A_leaving_member_gives_its_records_back()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 4);
        h.Acquire("m2", 5, 9);
        h.Keep(h.Partition.ReleaseAcquiredRecords("m1"));
        Assert.Equal(
            [new ShareInFlightBatch(0, 4, DeliveryState.Available, 1, null), new ShareInFlightBatch(5, 9, DeliveryState.Acquired, 1, "m2")],
            h.InFlight);
        Assert.Null(h.Partition.ReleaseAcquiredRecords("m1"));
    }

    [Fact]
    public void A_log_start_offset_past_the_start_archives_what_is_available_below_it()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        h.Ack("m1", 0, 5, AcknowledgeType.Release);
        h.Keep(h.Partition.OnLogStartOffsetAdvanced(4));
        Assert.Equal(4, h.Partition.StartOffset);
        Assert.Equal(4, h.Partition.NextFetchOffset);
        h.Keep(h.Partition.OnLogStartOffsetAdvanced(20));
        Assert.Equal(20, h.Partition.StartOffset);
        Assert.Equal(20, h.Partition.FirstUnfetchedOffset);
        // 6-9 are still m1's until it settles them or its lock expires; then they are archived.
        h.Clock.Advance(30_000);
        h.Keep(h.Partition.ReleaseExpiredLocks());
        Assert.Empty(h.InFlight);
    }

    [Fact]
    public void Alter_offsets_resets_the_state_under_a_new_state_epoch()
    {
        var h = new SharePartitionHarness();
        h.Acquire("m1", 0, 9);
        var snapshot = h.Partition.ResetStartOffset(100);
        Assert.Equal(1, snapshot.StateEpoch);
        Assert.Equal(100, snapshot.StartOffset);
        Assert.Empty(snapshot.StateBatches);
        Assert.Equal(100, h.Partition.NextFetchOffset);
    }
}
