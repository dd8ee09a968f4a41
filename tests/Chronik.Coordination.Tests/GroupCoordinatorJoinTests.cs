using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>Joins, syncs, heartbeats and timeouts of the classic protocol, driven by a fake clock.</summary>
public class GroupCoordinatorJoinTests
{
    private static ErrorCode E(short code) => (ErrorCode)code;

    [Fact]
    public void First_join_needs_a_member_id_then_completes_after_the_initial_delay()
    {
        var h = new GroupHarness();
        var first = h.Join("g");
        Assert.Equal(ErrorCode.MemberIdRequired, E(first.Result.ErrorCode));
        Assert.StartsWith("client-", first.Result.MemberId);

        var join = h.Join("g", first.Result.MemberId);
        Assert.False(join.IsCompleted);
        Assert.Equal(GroupState.PreparingRebalance, h.Coordinator.StateOf("g"));
        h.Advance(2999);
        Assert.False(join.IsCompleted);
        h.Advance(1);
        Assert.True(join.IsCompletedSuccessfully);
        var r = join.Result;
        Assert.Equal(ErrorCode.None, E(r.ErrorCode));
        Assert.Equal(1, r.GenerationId);
        Assert.Equal(r.MemberId, r.Leader);
        Assert.Equal("range", r.ProtocolName);
        Assert.Equal("consumer", r.ProtocolType);
        Assert.Single(r.Members);
        Assert.Equal(GroupState.CompletingRebalance, h.Coordinator.StateOf("g"));

        var sync = h.Sync("g", r.MemberId, 1, null, (r.MemberId, [9]));
        Assert.True(sync.IsCompletedSuccessfully);
        Assert.Equal([9], sync.Result.Assignment);
        Assert.Equal(GroupState.Stable, h.Coordinator.StateOf("g"));
        Assert.NotEmpty(h.Log);
    }

    [Fact]
    public void A_member_listing_a_protocol_twice_gets_it_and_the_group_still_rebalances()
    {
        // Found by the fuzzer: the duplicate counted as two votes, so no protocol had "every member's" vote and each
        // rebalance (and each coordinator tick) threw.
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0 });
        var first = h.JoinNew("g", protocols: ["range", "range", "roundrobin"]);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, E(first.Result.ErrorCode));
        Assert.Equal("range", first.Result.ProtocolName);

        var second = h.JoinNew("g", protocols: ["roundrobin", "range"]);
        Assert.False(second.IsCompleted); // the rebalance waits for the first member to rejoin
        var rejoin = h.Join("g", first.Result.MemberId, protocols: ["range", "range", "roundrobin"]);
        Assert.True(rejoin.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, E(rejoin.Result.ErrorCode));
        Assert.Equal(2, rejoin.Result.GenerationId);
        h.Advance(100);
        Assert.Single(h.Delete("g"));
    }

    [Fact]
    public void Join_before_v4_needs_no_member_id_round_trip()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0 });
        var join = h.Join("g", version: 3);
        Assert.True(join.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, E(join.Result.ErrorCode));
        Assert.Equal(1, join.Result.GenerationId);
    }

    [Fact]
    public void Members_joining_during_the_initial_delay_extend_it_and_share_a_generation()
    {
        var h = new GroupHarness();
        var a = h.JoinNew("g");
        h.Advance(1000);
        var b = h.JoinNew("g");
        h.Advance(2000); // the first delay ends, but a member arrived: wait another delay
        Assert.False(a.IsCompleted);
        h.Advance(3000);
        Assert.True(a.IsCompletedSuccessfully && b.IsCompletedSuccessfully);
        Assert.Equal(a.Result.GenerationId, b.Result.GenerationId);
        Assert.Equal(a.Result.MemberId, a.Result.Leader);
        Assert.Equal(a.Result.Leader, b.Result.Leader);
        Assert.Equal(2, a.Result.Members.Count);
        Assert.Empty(b.Result.Members);
    }

    private static (JoinGroupResponse Leader, JoinGroupResponse Follower) StableGroupOfTwo(GroupHarness h, string group = "g")
    {
        var a = h.JoinNew(group);
        var b = h.JoinNew(group);
        h.Advance(3000);
        h.Advance(3000);
        var leader = a.Result;
        var follower = b.Result;
        var fs = h.Sync(group, follower.MemberId, follower.GenerationId);
        var ls = h.Sync(group, leader.MemberId, leader.GenerationId, null, (leader.MemberId, [1]), (follower.MemberId, [2]));
        Assert.Equal([2], fs.Result.Assignment);
        Assert.Equal([1], ls.Result.Assignment);
        return (leader, follower);
    }

    [Fact]
    public void Followers_wait_for_the_leaders_sync_and_get_what_the_leader_assigned()
    {
        var h = new GroupHarness();
        var a = h.JoinNew("g");
        var b = h.JoinNew("g");
        h.Advance(3000);
        h.Advance(3000);
        Assert.True(b.IsCompletedSuccessfully);
        var follower = h.Sync("g", b.Result.MemberId, b.Result.GenerationId);
        Assert.False(follower.IsCompleted);
        var leader = h.Sync("g", a.Result.MemberId, a.Result.GenerationId, null, (a.Result.MemberId, [1]), (b.Result.MemberId, [2, 2]));
        Assert.Equal([2, 2], follower.Result.Assignment);
        Assert.Equal([1], leader.Result.Assignment);
        Assert.Equal(GroupState.Stable, h.Coordinator.StateOf("g"));
    }

    [Fact]
    public void Sync_checks_member_generation_and_protocol()
    {
        var h = new GroupHarness();
        var (leader, _) = StableGroupOfTwo(h);
        Assert.Equal(ErrorCode.UnknownMemberId, E(h.Sync("g", "nobody", leader.GenerationId).Result.ErrorCode));
        Assert.Equal(ErrorCode.IllegalGeneration, E(h.Sync("g", leader.MemberId, leader.GenerationId + 1).Result.ErrorCode));
        var wrongProtocol = new SyncGroupRequest { GroupId = "g", MemberId = leader.MemberId, GenerationId = leader.GenerationId, ProtocolName = "roundrobin" };
        var r = h.Coordinator.SyncGroup(wrongProtocol, h.Now);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, E(r.Response.Result.ErrorCode));
    }

    [Fact]
    public void Heartbeat_errors_follow_kafka()
    {
        var h = new GroupHarness();
        var (leader, follower) = StableGroupOfTwo(h);
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", leader.MemberId, leader.GenerationId));
        Assert.Equal(ErrorCode.IllegalGeneration, h.Heartbeat("g", leader.MemberId, leader.GenerationId - 1));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", "nobody", leader.GenerationId));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("unknown-group", "x", 1));

        // The leader rejoins: a rebalance starts and the follower hears of it from its heartbeat.
        var rejoin = h.Join("g", leader.MemberId);
        Assert.False(rejoin.IsCompleted);
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", follower.MemberId, follower.GenerationId));
        var followerRejoin = h.Join("g", follower.MemberId);
        Assert.True(rejoin.IsCompletedSuccessfully && followerRejoin.IsCompletedSuccessfully);
        Assert.Equal(leader.GenerationId + 1, rejoin.Result.GenerationId);
    }

    [Fact]
    public void A_member_that_stops_heartbeating_expires_and_the_group_rebalances()
    {
        var h = new GroupHarness();
        var (leader, follower) = StableGroupOfTwo(h);
        for (int i = 0; i < 3; i++)
        {
            h.Advance(3000);
            Assert.Equal(ErrorCode.None, h.Heartbeat("g", leader.MemberId, leader.GenerationId));
        }
        // 12 s without a heartbeat from the follower (session 10 s): it is gone, and the leader must rejoin.
        h.Advance(3000);
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", leader.MemberId, leader.GenerationId));
        Assert.Equal(GroupState.PreparingRebalance, h.Coordinator.StateOf("g"));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", follower.MemberId, follower.GenerationId));
        var rejoin = h.Join("g", leader.MemberId);
        Assert.True(rejoin.IsCompletedSuccessfully);
        Assert.Single(rejoin.Result.Members);
        Assert.Equal(leader.GenerationId + 1, rejoin.Result.GenerationId);
    }

    [Fact]
    public void Members_that_do_not_rejoin_within_the_rebalance_timeout_are_dropped()
    {
        var h = new GroupHarness();
        var (leader, _) = StableGroupOfTwo(h);
        var rejoin = h.Join("g", leader.MemberId, rebalanceMs: 30_000);
        for (int i = 0; i < 10 && !rejoin.IsCompleted; i++) h.Advance(3000);
        Assert.True(rejoin.IsCompletedSuccessfully);
        Assert.Single(rejoin.Result.Members);
    }

    [Fact]
    public void When_the_leader_leaves_a_remaining_member_becomes_leader()
    {
        var h = new GroupHarness();
        var (leader, follower) = StableGroupOfTwo(h);
        var left = h.Leave("g", leader.MemberId);
        Assert.Equal(ErrorCode.None, E(left.Members[0].ErrorCode));
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", follower.MemberId, follower.GenerationId));
        var rejoin = h.Join("g", follower.MemberId);
        Assert.True(rejoin.IsCompletedSuccessfully);
        Assert.Equal(follower.MemberId, rejoin.Result.Leader);
        Assert.Single(rejoin.Result.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, E(h.Leave("g", leader.MemberId).Members[0].ErrorCode));
    }

    [Fact]
    public void Last_member_leaving_empties_the_group()
    {
        var h = new GroupHarness();
        var a = h.JoinNew("g");
        h.Advance(3000);
        h.Sync("g", a.Result.MemberId, 1, null, (a.Result.MemberId, [1]));
        h.Leave("g", a.Result.MemberId);
        // Nobody is left to wait for: the rebalance completes at once into the next, empty generation.
        Assert.Equal(GroupState.Empty, h.Coordinator.StateOf("g"));
        Assert.Equal("Empty", h.Coordinator.DescribeGroup("g", false).GroupState);
    }

    [Fact]
    public void Session_timeout_must_lie_within_the_broker_bounds()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.InvalidSessionTimeout, E(h.Join("g", sessionMs: 5999).Result.ErrorCode));
        Assert.Equal(ErrorCode.InvalidSessionTimeout, E(h.Join("g", sessionMs: 1_800_001).Result.ErrorCode));
    }

    [Fact]
    public void Protocols_must_be_compatible_and_the_most_voted_common_one_wins()
    {
        var h = new GroupHarness();
        var a = h.JoinNew("g", ["roundrobin", "range"]);
        var b = h.JoinNew("g", ["range", "roundrobin"]);
        var c = h.JoinNew("g", ["range"]);
        var bad = h.Join("g", protocols: ["sticky"]);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, E(bad.Result.ErrorCode));
        h.Advance(3000);
        h.Advance(3000);
        h.Advance(3000);
        Assert.True(a.IsCompletedSuccessfully);
        Assert.Equal("range", a.Result.ProtocolName);
        Assert.Equal("range", c.Result.ProtocolName);
        Assert.Equal("range", b.Result.ProtocolName);
    }

    [Fact]
    public void A_pending_member_id_that_never_joins_expires()
    {
        var h = new GroupHarness();
        var (leader, follower) = StableGroupOfTwo(h);
        var pending = h.Join("g");
        Assert.Equal(ErrorCode.MemberIdRequired, E(pending.Result.ErrorCode));
        h.Advance(11_000);
        Assert.Equal(ErrorCode.UnknownMemberId, E(h.Join("g", pending.Result.MemberId).Result.ErrorCode));
        _ = leader;
        _ = follower;
    }

    [Fact]
    public void Group_max_size_refuses_more_members()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 3000, MaxGroupSize = 1 });
        h.JoinNew("g");
        Assert.Equal(ErrorCode.GroupMaxSizeReached, E(h.Join("g").Result.ErrorCode));
    }

    [Fact]
    public void Abort_pending_answers_waiting_joins_and_syncs()
    {
        var h = new GroupHarness();
        var join = h.JoinNew("g");
        var r = h.Coordinator.AbortPending(ErrorCode.NotCoordinator);
        r.RunCompletions();
        Assert.Equal(1, r.Response);
        Assert.Equal(ErrorCode.NotCoordinator, E(join.Result.ErrorCode));
    }
}
