using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;
using H = Chronik.Coordination.Tests.ConsumerHarness;

namespace Chronik.Coordination.Tests;

/// <summary>The consumer group protocol (KIP-848): epochs, assignment, revocation before re-assignment, expiry, regex.</summary>
public class ConsumerGroupCoordinatorTests
{
    private static int[] Partitions(ConsumerGroupHeartbeatResponse r) => H.Partitions(r);

    [Fact]
    public void Join_with_epoch_zero_gets_an_epoch_all_partitions_and_the_heartbeat_interval()
    {
        var h = new H();
        var r = h.Beat("m1", 0, ["orders"]);
        Assert.Equal(0, r.ErrorCode);
        Assert.Equal("m1", r.MemberId);
        Assert.Equal(1, r.MemberEpoch);
        Assert.Equal(5000, r.HeartbeatIntervalMs);
        Assert.Equal([0, 1, 2, 3], Partitions(r));
        Assert.Equal(H.TopicA, r.Assignment!.TopicPartitions[0].TopicId);
        Assert.Equal("Stable", h.G.Coordinator.ConsumerStateOf("g"));

        // A steady heartbeat carries no assignment.
        var steady = h.Beat("m1", 1, owned: [0, 1, 2, 3]);
        Assert.Equal(0, steady.ErrorCode);
        Assert.Equal(1, steady.MemberEpoch);
        Assert.Null(steady.Assignment);
    }

    [Fact]
    public void V0_join_without_member_id_gets_a_generated_id_and_v1_requires_one()
    {
        var h = new H();
        var r0 = h.Beat("", 0, ["orders"], version: 0);
        Assert.Equal(0, r0.ErrorCode);
        Assert.False(string.IsNullOrEmpty(r0.MemberId));
        var r1 = h.Beat("", 0, ["orders"], version: 1);
        Assert.Equal((short)ErrorCode.InvalidRequest, r1.ErrorCode);
    }

    [Fact]
    public void Second_member_gets_partitions_only_after_the_first_revokes_them()
    {
        var h = new H();
        Assert.Equal(1, h.Beat("m1", 0, ["orders"]).MemberEpoch);

        var j2 = h.Beat("m2", 0, ["orders"]);
        Assert.Equal(2, j2.MemberEpoch);
        Assert.Empty(Partitions(j2)); // m1 still owns everything
        Assert.Equal("Reconciling", h.G.Coordinator.ConsumerStateOf("g"));

        // m1 is told to keep two partitions (revoke the others) and stays at epoch 1 until it confirms.
        var r1 = h.Beat("m1", 1, owned: [0, 1, 2, 3]);
        Assert.Equal(1, r1.MemberEpoch);
        var kept = Partitions(r1);
        Assert.Equal(2, kept.Length);

        // m2 still gets nothing while m1 has not revoked.
        var r2 = h.Beat("m2", 2, owned: []);
        Assert.Empty(h.Assigned("m2"));
        Assert.Equal(2, r2.MemberEpoch);

        // m1 confirms: it owns only the kept partitions; it moves to epoch 2.
        var ack = h.Beat("m1", 1, owned: kept);
        Assert.Equal(2, ack.MemberEpoch);
        Assert.Equal(kept, h.Assigned("m1"));

        // Now m2 gets the released partitions.
        var r3 = h.Beat("m2", 2, owned: []);
        Assert.Equal(2, r3.MemberEpoch);
        var given = Partitions(r3);
        Assert.Equal(2, given.Length);
        Assert.Empty(given.Intersect(kept));
        Assert.Equal("Stable", h.G.Coordinator.ConsumerStateOf("g"));
    }

    [Fact]
    public void Fenced_and_unknown_members_and_unsupported_assignor()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        Assert.Equal((short)ErrorCode.FencedMemberEpoch, h.Beat("m1", 5, owned: []).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, h.Beat("nobody", 1, owned: []).ErrorCode);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, h.Beat("m1", 1, group: "other").ErrorCode);
        Assert.Equal((short)ErrorCode.UnsupportedAssignor, h.Beat("m3", 0, ["orders"], assignor: "sticky").ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRegularExpression, h.Beat("m4", 0, regex: "orders[").ErrorCode);
    }

    [Fact]
    public void Leaving_with_epoch_minus_one_frees_partitions_for_the_others()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        h.Beat("m2", 0, ["orders"]);
        var r1 = h.Beat("m1", 1, owned: [0, 1, 2, 3]);
        h.Beat("m1", 1, owned: Partitions(r1));
        h.Beat("m2", 2, owned: []);
        Assert.Equal(2, h.Assigned("m2").Length);

        var leave = h.Beat("m1", -1);
        Assert.Equal(0, leave.ErrorCode);
        Assert.Equal(-1, leave.MemberEpoch);

        var r2 = h.Beat("m2", 2, owned: h.Assigned("m2"));
        Assert.Equal(3, r2.MemberEpoch);
        Assert.Equal([0, 1, 2, 3], Partitions(r2));
    }

    [Fact]
    public void Session_expiry_removes_the_member_and_reassigns()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        h.Beat("m2", 0, ["orders"]);
        var r1 = h.Beat("m1", 1, owned: [0, 1, 2, 3]);
        h.Beat("m1", 1, owned: Partitions(r1));
        h.Beat("m2", 2, owned: []);

        for (int i = 0; i < 10; i++)
        {
            h.G.Advance(5000);
            h.Beat("m2", 2, owned: h.Assigned("m2"));
        }
        // m1 stopped heartbeating 50 s ago (session timeout 45 s): it is gone and m2 has everything.
        Assert.Equal((short)ErrorCode.UnknownMemberId, h.Beat("m1", 2, owned: []).ErrorCode);
        Assert.Equal([0, 1, 2, 3], h.Assigned("m2"));
    }

    [Fact]
    public void Regex_subscription_and_new_topics_and_partitions_are_picked_up()
    {
        var h = new H();
        // As in Kafka, a new regex is resolved asynchronously: it matches from the next heartbeat on.
        var first = h.Beat("m1", 0, regex: "ord.*");
        Assert.Empty(Partitions(first));
        var r = h.Beat("m1", first.MemberEpoch, owned: []);
        Assert.Equal([0, 1, 2, 3], Partitions(r));

        // A partition added and a new matching topic appear on the next heartbeat; a non-matching one does not.
        h.Topics[0] = h.Topics[0] with { PartitionCount = 5 };
        h.Topics.Add(new ConsumerTopic("orders-eu", H.TopicB, 2, false));
        h.Topics.Add(new ConsumerTopic("payments", Guid.NewGuid(), 3, false));
        var r2 = h.Beat("m1", r.MemberEpoch, owned: [0, 1, 2, 3]);
        Assert.Equal(r.MemberEpoch + 1, r2.MemberEpoch);
        var byTopic = r2.Assignment!.TopicPartitions.ToDictionary(t => t.TopicId, t => t.Partitions.Order().ToArray());
        Assert.Equal(2, byTopic.Count);
        Assert.Equal([0, 1, 2, 3, 4], byTopic[H.TopicA]);
        Assert.Equal([0, 1], byTopic[H.TopicB]);
    }

    [Fact]
    public void Range_assignor_gives_contiguous_ranges()
    {
        var h = new H();
        h.Beat("a", 0, ["orders"], assignor: "range");
        h.Beat("b", 0, ["orders"], assignor: "range");
        var ra = h.Beat("a", 1, owned: [0, 1, 2, 3]);
        Assert.Equal([0, 1], Partitions(ra));
        h.Beat("a", 1, owned: [0, 1]);
        Assert.Equal([2, 3], Partitions(h.Beat("b", 2, owned: [])));
    }

    [Fact]
    public void Group_types_do_not_mix_and_commits_check_the_member_epoch()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        var join = h.G.Join("g");
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (ErrorCode)join.Result.ErrorCode);

        Assert.Equal(ErrorCode.None, h.G.Commit("g", "m1", 1, "orders", 0, 10, version: 9));
        Assert.Equal(ErrorCode.StaleMemberEpoch, h.G.Commit("g", "m1", 0, "orders", 0, 10, version: 9));
        Assert.Equal(ErrorCode.FencedMemberEpoch, h.G.Commit("g", "m1", 7, "orders", 0, 10, version: 9));
        Assert.Equal(ErrorCode.UnknownMemberId, h.G.Commit("g", "zz", 1, "orders", 0, 10, version: 9));

        Assert.Equal(ErrorCode.None, h.G.Coordinator.ValidateTransactionalCommit("g", 1, "m1", null));
        Assert.Equal(ErrorCode.IllegalGeneration, h.G.Coordinator.ValidateTransactionalCommit("g", 3, "m1", null));
        Assert.Equal(ErrorCode.None, h.G.Coordinator.ValidateOffsetFetchMember("g", "m1", 1));
        Assert.Equal(ErrorCode.StaleMemberEpoch, h.G.Coordinator.ValidateOffsetFetchMember("g", "m1", 0));

        var listed = h.G.Coordinator.ListGroups(null, ["consumer"]);
        Assert.Equal("consumer", Assert.Single(listed).GroupType);
        Assert.Equal("Stable", listed[0].GroupState);

        // A classic group with members refuses consumer heartbeats.
        h.G.JoinNew("classic");
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, h.Beat("x", 0, ["orders"], group: "classic").ErrorCode);
    }

    [Fact]
    public void Offsets_and_members_survive_a_restart()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        Assert.Equal(ErrorCode.None, h.G.Commit("g", "m1", 1, "orders", 2, 42, version: 9));
        h.G.Restart();
        Assert.Equal(42, h.G.Coordinator.CommittedOffsetOf("g", "orders", 2)!.Offset);
        var again = h.Beat("m1", 1, owned: [0, 1, 2, 3]);
        Assert.Equal(0, again.ErrorCode);
        Assert.Equal(1, again.MemberEpoch);
        Assert.Equal(ErrorCode.None, h.G.Commit("g", "m1", 1, "orders", 2, 43, version: 9));
    }

    [Fact]
    public void Static_member_leaving_temporarily_keeps_its_assignment_for_its_next_instance()
    {
        var h = new H();
        h.Beat("s1", 0, ["orders"], instance: "i1");
        Assert.Equal((short)ErrorCode.UnreleasedInstanceId, h.Beat("s0", 0, ["orders"], instance: "i1").ErrorCode);
        var leave = h.Beat("s1", -2);
        Assert.Equal(-2, leave.MemberEpoch);
        var back = h.Beat("s2", 0, ["orders"], instance: "i1");
        Assert.Equal(0, back.ErrorCode);
        Assert.Equal(1, back.MemberEpoch);
        Assert.Equal([0, 1, 2, 3], Partitions(back));
    }
}
