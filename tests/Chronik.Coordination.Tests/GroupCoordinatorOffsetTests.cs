using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>OffsetCommit checks, fetch, delete, expiry, group deletion and replay.</summary>
public class GroupCoordinatorOffsetTests
{
    private static ErrorCode E(short code) => (ErrorCode)code;

    private static JoinGroupResponse StableOne(GroupHarness h, string group, byte[]? metadata = null)
    {
        var a = h.JoinNew(group, metadata: metadata);
        h.Advance(3000);
        h.Sync(group, a.Result.MemberId, a.Result.GenerationId, null, (a.Result.MemberId, [1]));
        return a.Result;
    }

    [Fact]
    public void Standalone_commits_need_an_empty_group()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, h.Commit("simple", "", -1, "t", 0, 42));
        Assert.Equal(42, h.Coordinator.CommittedOffsetOf("simple", "t", 0)!.Offset);
        Assert.Equal(GroupState.Empty, h.Coordinator.StateOf("simple"));

        var m = StableOne(h, "g");
        Assert.Equal(ErrorCode.UnknownMemberId, h.Commit("g", "", -1, "t", 0, 1));
        Assert.Equal(ErrorCode.None, h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 5));
    }

    [Fact]
    public void Commits_are_checked_against_member_and_generation()
    {
        var h = new GroupHarness();
        var m = StableOne(h, "g");
        Assert.Equal(ErrorCode.IllegalGeneration, h.Commit("g", m.MemberId, m.GenerationId + 1, "t", 0, 1));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Commit("g", "nobody", m.GenerationId, "t", 0, 1));
        Assert.Equal(ErrorCode.IllegalGeneration, h.Commit("nogroup", "x", 3, "t", 0, 1, version: 8));
        Assert.Equal(ErrorCode.GroupIdNotFound, h.Commit("nogroup", "x", 3, "t", 0, 1, version: 9));
        Assert.Null(h.Coordinator.StateOf("nogroup"));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, h.Commit("g", m.MemberId, m.GenerationId, "missing", 0, 1));
        Assert.Equal(ErrorCode.OffsetMetadataTooLarge, h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 1, metadata: new string('x', 4097)));
        Assert.Equal(ErrorCode.None, h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 1, metadata: new string('x', 4096)));
    }

    [Fact]
    public void Commits_between_join_and_sync_get_rebalance_in_progress()
    {
        var h = new GroupHarness();
        var a = h.JoinNew("g");
        h.Advance(3000);
        Assert.Equal(GroupState.CompletingRebalance, h.Coordinator.StateOf("g"));
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Commit("g", a.Result.MemberId, a.Result.GenerationId, "t", 0, 1));
    }

    [Fact]
    public void Fetch_answers_minus_one_for_unknown_groups_and_partitions_and_lists_all_with_null_topics()
    {
        var h = new GroupHarness();
        h.Commit("s", "", -1, "t", 0, 10);
        h.Commit("s", "", -1, "u", 3, 30);
        var unknown = h.Coordinator.FetchOffsets("nope", [("t", [0])]);
        Assert.Equal(-1, unknown.Topics[0].Partitions[0].CommittedOffset);
        Assert.Equal(0, unknown.Topics[0].Partitions[0].ErrorCode);
        var some = h.Coordinator.FetchOffsets("s", [("t", [0, 1])]);
        Assert.Equal([10L, -1L], some.Topics[0].Partitions.Select(p => p.CommittedOffset));
        var all = h.Coordinator.FetchOffsets("s", null);
        Assert.Equal(["t", "u"], all.Topics.Select(t => t.Name));
        Assert.Equal(30, all.Topics[1].Partitions[0].CommittedOffset);
    }

    [Fact]
    public void Restart_rebuilds_groups_and_offsets_from_the_records()
    {
        var h = new GroupHarness();
        var m = StableOne(h, "g");
        h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 100, metadata: "md");
        h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 150);
        h.Commit("s", "", -1, "t", 1, 7);
        h.Commit("gone", "", -1, "t", 1, 7);
        h.Delete("gone");
        h.Restart();

        Assert.Equal(150, h.Coordinator.CommittedOffsetOf("g", "t", 0)!.Offset);
        Assert.Equal(7, h.Coordinator.CommittedOffsetOf("s", "t", 1)!.Offset);
        Assert.Null(h.Coordinator.StateOf("gone"));
        Assert.Equal(GroupState.Stable, h.Coordinator.StateOf("g"));
        // The member carries on with its generation, and expires if it does not come back.
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", m.MemberId, m.GenerationId));
        Assert.Equal(ErrorCode.None, h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 160));
        h.Advance(11_000);
        Assert.Equal(GroupState.Empty, h.Coordinator.StateOf("g"));
        var described = h.Coordinator.DescribeGroup("g", false);
        Assert.Equal("Empty", described.GroupState);
        Assert.Equal("consumer", described.ProtocolType);
    }

    [Fact]
    public void Delete_groups_refuses_non_empty_groups_and_writes_tombstones()
    {
        var h = new GroupHarness();
        var m = StableOne(h, "g");
        h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 1);
        var r = h.Delete("g", "unknown", "");
        Assert.Equal([ErrorCode.NonEmptyGroup, ErrorCode.GroupIdNotFound, ErrorCode.InvalidGroupId], r.Select(x => E(x.ErrorCode)));
        h.Leave("g", m.MemberId);
        int before = h.Log.Count;
        Assert.Equal(ErrorCode.None, E(h.Delete("g")[0].ErrorCode));
        Assert.Contains(h.Log.Skip(before), rec => rec.Value is null);
        Assert.Null(h.Coordinator.StateOf("g"));
        Assert.Equal(-1, h.Coordinator.FetchOffsets("g", [("t", [0])]).Topics[0].Partitions[0].CommittedOffset);
    }

    [Fact]
    public void Offset_delete_refuses_topics_the_group_subscribes_to()
    {
        var h = new GroupHarness();
        var m = StableOne(h, "g", GroupHarness.Subscription("t"));
        h.Commit("g", m.MemberId, m.GenerationId, "t", 0, 1);
        h.Commit("g", m.MemberId, m.GenerationId, "old", 0, 1);
        var busy = h.DeleteOffsets("g", "t", 0);
        Assert.Equal(ErrorCode.GroupSubscribedToTopic, E(busy.Topics[0].Partitions[0].ErrorCode));
        var ok = h.DeleteOffsets("g", "old", 0);
        Assert.Equal(ErrorCode.None, E(ok.Topics[0].Partitions[0].ErrorCode));
        Assert.Null(h.Coordinator.CommittedOffsetOf("g", "old", 0));
        Assert.Equal(ErrorCode.GroupIdNotFound, E(h.DeleteOffsets("nope", "t", 0).ErrorCode));
    }

    [Fact]
    public void Offsets_of_empty_groups_expire_after_the_retention()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { OffsetsRetentionMs = 60_000, OffsetsRetentionCheckIntervalMs = 1000 });
        h.Commit("s", "", -1, "t", 0, 5);
        h.Advance(30_000);
        Assert.NotNull(h.Coordinator.CommittedOffsetOf("s", "t", 0));
        h.Advance(31_000);
        Assert.Null(h.Coordinator.CommittedOffsetOf("s", "t", 0));
        Assert.Null(h.Coordinator.StateOf("s"));
        h.Restart();
        Assert.Null(h.Coordinator.StateOf("s"));
    }

    [Fact]
    public void List_and_describe_show_states_and_members()
    {
        var h = new GroupHarness();
        var m = StableOne(h, "g");
        h.Commit("s", "", -1, "t", 0, 5);
        var all = h.Coordinator.ListGroups(null, null);
        Assert.Equal(["g", "s"], all.Select(g => g.GroupId));
        Assert.All(all, g => Assert.Equal("classic", g.GroupType));
        Assert.Equal(["g"], h.Coordinator.ListGroups(["stable"], null).Select(g => g.GroupId));
        Assert.Empty(h.Coordinator.ListGroups(null, ["consumer"]));
        var d = h.Coordinator.DescribeGroup("g", true);
        Assert.Equal("Stable", d.GroupState);
        Assert.Equal("range", d.ProtocolData);
        Assert.Equal(m.MemberId, Assert.Single(d.Members).MemberId);
        Assert.Equal([1], d.Members[0].MemberAssignment);
        Assert.Equal(GroupCoordinator.GroupAuthorizedOperations, d.AuthorizedOperations);
        Assert.Equal("Dead", h.Coordinator.DescribeGroup("unknown", false).GroupState);
    }
}
