using System.Diagnostics;
using Chronik.Protocol.Messages;
using Xunit;
using static Chronik.Broker.Tests.ShareGroupTestClient;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>ShareFetch (78) and ShareAcknowledge (79) v1-2 in raw frames: sessions, acquisition, acknowledgements, locks, restarts.</summary>
public class ShareFetchTests
{
    private static async Task<(GroupTestBroker Broker, Guid Topic)> Start(string topic, int records, Action<BrokerOptions>? configure = null)
    {
        var broker = new GroupTestBroker(partitions: 1);
        configure?.Invoke(broker.Options);
        await broker.StartAsync();
        Assert.Equal(0, SetShareVersion(broker.Port, 1));
        var id = await CreateTopicWithRecords(broker, topic, records);
        SetGroupConfig(broker, "sg", "share.auto.offset.reset", "earliest");
        return (broker, id);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Records_are_acquired_accepted_released_redelivered_and_rejected(short version)
    {
        var (broker, topic) = await Start("sf-basic", 10);
        await using var _ = broker;
        int port = broker.Port;

        var first = ShareFetch(port, Fetch("sg", "m1", 0, topic), version);
        Assert.Equal(0, first.ErrorCode);
        Assert.Equal(30_000, first.AcquisitionLockTimeoutMs);
        Assert.Equal([(0L, 9L, (short)1)], Acquired(first));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "v" + i), Values(first));

        // Piggybacked: accept 0-4, release 5-9; the released records come back with delivery count 2.
        var second = ShareFetch(port, Fetch("sg", "m1", 1, topic, acks: [(0, 4, Accept), (5, 9, Release)]), version);
        Assert.Equal(0, second.ErrorCode);
        var p = Assert.Single(Assert.Single(second.Responses).Partitions);
        Assert.Equal(0, p.AcknowledgeErrorCode);
        Assert.Equal([(5L, 9L, (short)2)], Acquired(second));
        Assert.Equal(Enumerable.Range(5, 5).Select(i => "v" + i), Values(second));

        var rejected = ShareAcknowledge(port, "sg", "m1", 2, topic, version, (5, 9, Reject));
        Assert.Equal(0, rejected.ErrorCode);
        Assert.Equal(0, Assert.Single(Assert.Single(rejected.Responses).Partitions).ErrorCode);

        // Nothing left: rejected records are never delivered again.
        var none = ShareFetch(port, Fetch("sg", "m1", 3, topic, maxWaitMs: 200), version);
        Assert.Equal(0, none.ErrorCode);
        Assert.Empty(Acquired(none));

        // Finished offsets (below the start offset) are skipped; offsets never acquired are INVALID_REQUEST.
        var finished = ShareAcknowledge(port, "sg", "m1", 4, topic, version, (0, 4, Release));
        Assert.Equal(0, Assert.Single(Assert.Single(finished.Responses).Partitions).ErrorCode);
        var beyond = ShareAcknowledge(port, "sg", "m1", 5, topic, version, (20, 25, Accept));
        Assert.Equal((short)KafkaError.InvalidRequest, Assert.Single(Assert.Single(beyond.Responses).Partitions).ErrorCode);
    }

    [Fact]
    public async Task Members_share_a_partition_and_closing_a_session_releases_its_records()
    {
        var (broker, topic) = await Start("sf-two", 20);
        await using var _ = broker;
        int port = broker.Port;
        Assert.Equal([(0L, 9L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "a", 0, topic, maxRecords: 10))));
        Assert.Equal([(10L, 19L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "b", 0, topic, maxRecords: 10))));
        // b may not acknowledge a's records.
        var foreign = ShareAcknowledge(port, "sg", "b", 1, topic, 2, (0, 9, Accept));
        Assert.Equal((short)121, Assert.Single(Assert.Single(foreign.Responses).Partitions).ErrorCode);
        // a's final fetch (epoch -1) accepts 0-4 and releases the rest to others.
        var final = ShareFetch(port, Fetch("sg", "a", -1, topic, acks: [(0, 4, Accept)]));
        Assert.Equal(0, final.ErrorCode);
        Assert.Empty(Acquired(final));
        Assert.Equal([(5L, 9L, (short)2)], Acquired(ShareFetch(port, Fetch("sg", "b", 2, topic, maxRecords: 10))));
        // The closed session is gone.
        Assert.Equal((short)122, ShareFetch(port, Fetch("sg", "a", 1, topic)).ErrorCode);
    }

    [Fact]
    public async Task Session_epochs_and_malformed_acknowledgements_get_Kafkas_errors()
    {
        var (broker, topic) = await Start("sf-errors", 10);
        await using var _ = broker;
        int port = broker.Port;
        Assert.Equal((short)122, ShareFetch(port, Fetch("sg", "m", 3, topic)).ErrorCode); // SHARE_SESSION_NOT_FOUND
        Assert.Equal((short)KafkaError.InvalidRequest, ShareFetch(port, Fetch("sg", "m", 0, topic, acks: [(0, 0, Accept)])).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, ShareFetch(port, Fetch("sg", "", 0, topic)).ErrorCode);
        Assert.Equal([(0L, 9L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "m", 0, topic))));
        Assert.Equal((short)123, ShareFetch(port, Fetch("sg", "m", 5, topic)).ErrorCode); // INVALID_SHARE_SESSION_EPOCH
        Assert.Equal((short)123, ShareAcknowledge(port, "sg", "m", 0, topic, 2, (0, 0, Accept)).ErrorCode);

        // v1 knows no RENEW; v2 renews the lock. Overlapping batches are INVALID_REQUEST.
        var v1Renew = ShareAcknowledge(port, "sg", "m", 1, topic, 1, (0, 0, Renew));
        Assert.Equal((short)KafkaError.InvalidRequest, Assert.Single(Assert.Single(v1Renew.Responses).Partitions).ErrorCode);
        var renew = ShareAcknowledge(port, "sg", "m", 2, topic, 2, (0, 0, Renew));
        Assert.Equal(0, Assert.Single(Assert.Single(renew.Responses).Partitions).ErrorCode);
        Assert.Equal(30_000, renew.AcquisitionLockTimeoutMs);
        var overlap = ShareAcknowledge(port, "sg", "m", 3, topic, 2, (0, 5, Accept), (3, 9, Accept));
        Assert.Equal((short)KafkaError.InvalidRequest, Assert.Single(Assert.Single(overlap.Responses).Partitions).ErrorCode);

        var unknownTopic = ShareFetch(port, Fetch("sg", "m", 4, Guid.NewGuid()));
        Assert.Equal((short)KafkaError.UnknownTopicId, unknownTopic.Responses.SelectMany(t => t.Partitions).First(p => p.ErrorCode != 0).ErrorCode);
    }

    [Fact]
    public async Task An_expired_lock_makes_records_available_and_the_delivery_count_limit_archives_them()
    {
        var (broker, topic) = await Start("sf-locks", 5, o =>
        {
            o.GroupShareRecordLockDurationMs = 1000;
            o.GroupShareDeliveryCountLimit = 2;
        });
        await using var _ = broker;
        int port = broker.Port;
        var first = ShareFetch(port, Fetch("sg", "a", 0, topic));
        Assert.Equal(1000, first.AcquisitionLockTimeoutMs);
        Assert.Equal([(0L, 4L, (short)1)], Acquired(first));
        // The lock expires: another member gets the records with their second (last) delivery, and waits for them.
        var sw = Stopwatch.StartNew();
        var second = ShareFetch(port, Fetch("sg", "b", 0, topic, maxWaitMs: 5000));
        Assert.Equal([(0L, 4L, (short)2)], Acquired(second));
        Assert.InRange(sw.ElapsedMilliseconds, 500, 4000);
        // A release after the last delivery archives them.
        var released = ShareAcknowledge(port, "sg", "b", 1, topic, 2, (0, 4, Release));
        Assert.Equal(0, Assert.Single(Assert.Single(released.Responses).Partitions).ErrorCode);
        Assert.Empty(Acquired(ShareFetch(port, Fetch("sg", "a", 1, topic, maxWaitMs: 1500))));
    }

    [Fact]
    public async Task An_idle_share_session_is_evicted_and_its_records_released()
    {
        var (broker, topic) = await Start("sf-idle", 4, o =>
        {
            o.GroupShareSessionTimeoutMs = 1000;
            o.GroupShareHeartbeatIntervalMs = 500;
        });
        await using var _ = broker;
        int port = broker.Port;
        Assert.Equal([(0L, 3L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "a", 0, topic))));
        // a stops fetching: after the session timeout its session goes and its records are released (the 30 s lock has not expired).
        Assert.Equal([(0L, 3L, (short)2)], Acquired(ShareFetch(port, Fetch("sg", "b", 0, topic, maxWaitMs: 5000))));
        Assert.Equal((short)122, ShareFetch(port, Fetch("sg", "a", 1, topic)).ErrorCode);
    }

    [Fact]
    public async Task A_share_fetch_long_polls_until_records_arrive()
    {
        var (broker, topic) = await Start("sf-poll", 0);
        await using var _ = broker;
        int port = broker.Port;
        var sw = Stopwatch.StartNew();
        var fetch = Task.Run(() => ShareFetch(port, Fetch("sg", "m", 0, topic, maxWaitMs: 8000)));
        await Task.Delay(400);
        Assert.False(fetch.IsCompleted);
        await Produce(broker, "sf-poll", 0, 3);
        var r = await fetch;
        Assert.Equal([(0L, 2L, (short)1)], Acquired(r));
        Assert.InRange(sw.ElapsedMilliseconds, 300, 6000);
        // Max wait passes with nothing new: an empty answer, on time.
        sw.Restart();
        Assert.Empty(Acquired(ShareFetch(port, Fetch("sg", "m", 1, topic, maxWaitMs: 300))));
        Assert.InRange(sw.ElapsedMilliseconds, 250, 3000);
    }

    [Fact]
    public async Task The_record_limit_mode_and_max_records_bound_what_is_acquired()
    {
        var (broker, topic) = await Start("sf-limit", 10);
        await using var _ = broker;
        int port = broker.Port;
        var exact = Fetch("sg", "a", 0, topic, maxRecords: 3);
        exact.ShareAcquireMode = 1;
        Assert.Equal([(0L, 2L, (short)1)], Acquired(ShareFetch(port, exact)));
        // Batch-optimized (the default): the limit is soft, whole batches of 5 are taken.
        Assert.Equal([(3L, 4L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "b", 0, topic, maxRecords: 1))));
        Assert.Equal([(5L, 9L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "b", 1, topic, maxRecords: 1))));
    }

    [Fact]
    public async Task After_a_restart_unacknowledged_records_come_back_and_acknowledged_ones_never_do()
    {
        var (broker, topic) = await Start("sf-restart", 10);
        await using var _ = broker;
        Assert.Equal([(0L, 9L, (short)1)], Acquired(ShareFetch(broker.Port, Fetch("sg", "m", 0, topic))));
        var acked = ShareAcknowledge(broker.Port, "sg", "m", 1, topic, 2, (0, 3, Accept), (4, 4, Reject));
        Assert.Equal(0, Assert.Single(Assert.Single(acked.Responses).Partitions).ErrorCode);

        Assert.Equal(0, Heartbeat(broker.Port, "sg", "m", 0, "sf-restart").ErrorCode);
        await broker.StopAsync();
        await broker.StartAsync();
        // The group is back, empty: membership is not persisted, so the member rejoins.
        Assert.Equal("Empty", Assert.Single(Call<ListGroupsResponse>(broker.Port, new ListGroupsRequest { TypesFilter = ["share"] }, 5).Groups).GroupState);
        Assert.Equal((short)KafkaError.UnknownMemberId, Heartbeat(broker.Port, "sg", "m", 1).ErrorCode);
        Assert.Equal(0, Heartbeat(broker.Port, "sg", "m", 0, "sf-restart").ErrorCode);
        // 5-9 were acquired when the broker stopped: available again, their delivery counted.
        var after = ShareFetch(broker.Port, Fetch("sg", "other", 0, topic));
        Assert.Equal([(5L, 9L, (short)2)], Acquired(after));
        Assert.Equal(Enumerable.Range(5, 5).Select(i => "v" + i), Values(after));
        Assert.Equal(0, Assert.Single(Assert.Single(ShareAcknowledge(broker.Port, "sg", "other", 1, topic, 2, (5, 9, Accept)).Responses).Partitions).ErrorCode);

        await broker.StopAsync();
        await broker.StartAsync();
        Assert.Empty(Acquired(ShareFetch(broker.Port, Fetch("sg", "third", 0, topic, maxWaitMs: 200))));
        await Produce(broker, "sf-restart", 10, 2);
        Assert.Equal([(10L, 11L, (short)1)], Acquired(ShareFetch(broker.Port, Fetch("sg", "third", 1, topic))));
    }
}
