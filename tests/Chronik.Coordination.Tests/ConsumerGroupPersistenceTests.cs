using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;
using H = Chronik.Coordination.Tests.ConsumerHarness;

namespace Chronik.Coordination.Tests;

/// <summary>KIP-848 groups persisted to the offsets log: persist, replay (a restart), continue — with the fake clock.</summary>
public class ConsumerGroupPersistenceTests
{
    private static int[] Partitions(ConsumerGroupHeartbeatResponse r) => H.Partitions(r);

    /// <summary>Two members sharing "orders" in a stable group at epoch 2.</summary>
    private static (H H, int[] M1, int[] M2) StableTwoMembers()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        h.Beat("m2", 0, ["orders"]);
        var kept = Partitions(h.Beat("m1", 1, owned: [0, 1, 2, 3]));
        Assert.Equal(2, h.Beat("m1", 1, owned: kept).MemberEpoch);
        var given = Partitions(h.Beat("m2", 2, owned: []));
        Assert.Equal("Stable", h.G.Coordinator.ConsumerStateOf("g"));
        return (h, kept, given);
    }

    private static string Describe(H h)
    {
        var d = h.G.Coordinator.DescribeConsumerGroup("g", false, h.Topics);
        var parts = d.Members.Select(m => $"{m.MemberId}@{m.MemberEpoch} {m.InstanceId} {m.ClientId} {m.ClientHost} " +
            $"[{string.Join(",", m.SubscribedTopicNames)}] {m.SubscribedTopicRegex} " +
            $"a={string.Join(",", m.Assignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => t.TopicName + p)))} " +
            $"t={string.Join(",", m.TargetAssignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => t.TopicName + p)))}");
        return $"{d.ErrorCode} {d.GroupState} {d.GroupEpoch}/{d.AssignmentEpoch} {d.AssignorName} | {string.Join(" | ", parts)}";
    }

    [Fact]
    public void Members_continue_with_their_epochs_after_a_restart_and_steady_heartbeats_write_nothing()
    {
        var (h, m1, m2) = StableTwoMembers();
        // A heartbeat that changes nothing persists nothing.
        h.Beat("m1", 2, owned: m1);
        Assert.Empty(h.LastRecords);
        string before = Describe(h);

        h.G.Restart();
        Assert.Equal(before, Describe(h));
        var r1 = h.Beat("m1", 2, owned: m1);
        var r2 = h.Beat("m2", 2, owned: m2);
        Assert.Equal((0, 2), (r1.ErrorCode, r1.MemberEpoch));
        Assert.Equal((0, 2), (r2.ErrorCode, r2.MemberEpoch));
        Assert.Null(r1.Assignment);
        Assert.Null(r2.Assignment);
        // Same inputs as before the restart: no new group epoch, nothing to write.
        Assert.Empty(h.LastRecords);
        Assert.Equal(before, Describe(h));
        Assert.Equal("Stable", h.G.Coordinator.ConsumerStateOf("g"));
    }

    [Fact]
    public void A_restart_in_the_middle_of_a_revocation_carries_on_from_where_it_was()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        h.Beat("m2", 0, ["orders"]);
        var kept = Partitions(h.Beat("m1", 1, owned: [0, 1, 2, 3])); // m1 must revoke two partitions
        Assert.Equal("Reconciling", h.G.Coordinator.ConsumerStateOf("g"));

        h.G.Restart();
        Assert.Equal("Reconciling", h.G.Coordinator.ConsumerStateOf("g"));
        // m2 still gets nothing: m1 has not confirmed the revocation.
        h.Beat("m2", 2, owned: []);
        Assert.Empty(h.Assigned("m2"));
        // m1 confirms after the restart and moves to epoch 2; then m2 gets the released partitions.
        Assert.Equal(2, h.Beat("m1", 1, owned: kept).MemberEpoch);
        var given = Partitions(h.Beat("m2", 2, owned: []));
        Assert.Equal(2, given.Length);
        Assert.Empty(given.Intersect(kept));
        Assert.Equal("Stable", h.G.Coordinator.ConsumerStateOf("g"));
    }

    [Fact]
    public void Session_timers_restart_at_load_and_an_expired_member_stays_gone()
    {
        var (h, _, m2) = StableTwoMembers();
        h.G.Advance(40_000); // 40 s of the 45 s session have passed before the restart
        h.G.Restart();
        // The restarted broker gives every member a full session from load.
        h.G.Advance(40_000);
        Assert.Equal(0, h.Beat("m2", 2, owned: m2).ErrorCode);
        Assert.Equal(2, h.G.Coordinator.DescribeConsumerGroup("g", false, h.Topics).Members.Count);

        // m1 never comes back: it expires, its records are tombstoned, and a later restart does not revive it.
        h.G.Advance(10_000);
        Assert.Equal(3, h.Beat("m2", 2, owned: m2).MemberEpoch);
        h.G.RestartCompacted();
        Assert.Equal((short)ErrorCode.UnknownMemberId, h.Beat("m1", 2, owned: []).ErrorCode);
        var d = h.G.Coordinator.DescribeConsumerGroup("g", false, h.Topics);
        Assert.Equal("m2", Assert.Single(d.Members).MemberId);
        Assert.Equal([0, 1, 2, 3], Partitions(h.Beat("m2", 3, owned: m2)));
    }

    [Fact]
    public void A_member_that_left_is_gone_after_a_restart_from_the_compacted_log_or_a_snapshot()
    {
        var (h, _, m2) = StableTwoMembers();
        Assert.Equal(-1, h.Beat("m1", -1).MemberEpoch);
        Assert.Contains(h.LastRecords, r => r.Value is null);
        string before = Describe(h);

        h.G.RestartCompacted();
        Assert.Equal(before, Describe(h));
        h.G.RestartFromSnapshot();
        Assert.Equal(before, Describe(h));

        var r = h.Beat("m2", 2, owned: m2);
        Assert.Equal(3, r.MemberEpoch);
        Assert.Equal([0, 1, 2, 3], Partitions(r));
        Assert.Equal((short)ErrorCode.UnknownMemberId, h.Beat("m1", 2, owned: []).ErrorCode);
    }

    [Fact]
    public void Member_metadata_and_a_static_member_that_left_temporarily_survive_a_restart()
    {
        var h = new H();
        h.Beat("s1", 0, ["orders"], instance: "i1", assignor: "range");
        h.Beat("r1", 0, regex: "ord.*");
        Assert.Equal(-2, h.Beat("s1", -2).MemberEpoch);
        string before = Describe(h);

        h.G.Restart();
        Assert.Equal(before, Describe(h));
        Assert.Contains("range", before);
        // The instance is still held by the member that left temporarily; a new instance takes it over.
        var back = h.Beat("s2", 0, ["orders"], instance: "i1");
        Assert.Equal(0, back.ErrorCode);
        Assert.Equal(Partitions(back), h.Assigned("s2"));
        Assert.Equal((short)ErrorCode.UnknownMemberId, h.Beat("s1", 1, owned: []).ErrorCode);
    }

    [Fact]
    public void Deleting_an_empty_group_tombstones_it_and_a_restart_does_not_bring_it_back()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        Assert.Equal(ErrorCode.None, h.G.Commit("g", "m1", 1, "orders", 0, 5, version: 9));
        h.Beat("m1", -1);
        Assert.Equal("Empty", h.G.Coordinator.ConsumerStateOf("g"));
        h.G.Restart();
        Assert.Equal("Empty", h.G.Coordinator.ConsumerStateOf("g"));
        Assert.Equal("consumer", Assert.Single(h.G.Coordinator.ListGroups(null, null)).GroupType);

        Assert.Equal(0, Assert.Single(h.G.Delete("g")).ErrorCode);
        h.G.Restart();
        Assert.Null(h.G.Coordinator.StateOf("g"));
        h.G.RestartCompacted();
        Assert.Null(h.G.Coordinator.StateOf("g"));
        Assert.Equal((short)ErrorCode.GroupIdNotFound, h.Beat("m1", 1, owned: []).ErrorCode);
    }

    [Fact]
    public void An_empty_consumer_group_that_turns_classic_stays_classic_after_a_restart()
    {
        var h = new H();
        h.Beat("m1", 0, ["orders"]);
        h.Beat("m1", -1);
        var join = h.G.JoinNew("g");
        h.G.Advance(3000);
        Assert.Equal(0, join.Result.ErrorCode);
        var j = join.Result;
        Assert.Equal(0, h.G.Sync("g", j.MemberId, j.GenerationId, null, (j.MemberId, [1])).Result.ErrorCode);
        h.G.Restart();
        Assert.Null(h.G.Coordinator.ConsumerStateOf("g"));
        Assert.Equal("classic", Assert.Single(h.G.Coordinator.ListGroups(null, null)).GroupType);
        h.G.RestartCompacted();
        Assert.Equal("classic", Assert.Single(h.G.Coordinator.ListGroups(null, null)).GroupType);
    }
}
