using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>Static membership (KIP-345): group.instance.id survives restarts of the client.</summary>
public class GroupCoordinatorStaticTests
{
    private static ErrorCode E(short code) => (ErrorCode)code;

    private static JoinGroupResponse StableStatic(GroupHarness h, string instance)
    {
        var join = h.Join("g", instanceId: instance);
        Assert.False(join.IsCompleted); // static members skip MEMBER_ID_REQUIRED
        h.Advance(3000);
        var r = join.Result;
        Assert.StartsWith(instance + "-", r.MemberId);
        h.Sync("g", r.MemberId, r.GenerationId, instance, (r.MemberId, [7]));
        return r;
    }

    [Fact]
    public void A_new_instance_replaces_the_old_member_without_a_rebalance()
    {
        var h = new GroupHarness();
        var old = StableStatic(h, "i1");
        var replacement = h.Join("g", instanceId: "i1");
        Assert.True(replacement.IsCompletedSuccessfully);
        var r = replacement.Result;
        Assert.Equal(ErrorCode.None, E(r.ErrorCode));
        Assert.NotEqual(old.MemberId, r.MemberId);
        Assert.Equal(old.GenerationId, r.GenerationId);
        Assert.Equal(old.MemberId, r.Leader); // the old leader id: the new instance does not reassign
        Assert.Equal(GroupState.Stable, h.Coordinator.StateOf("g"));

        var sync = h.Sync("g", r.MemberId, r.GenerationId, "i1");
        Assert.Equal([7], sync.Result.Assignment);
        Assert.Equal(ErrorCode.FencedInstanceId, h.Heartbeat("g", old.MemberId, old.GenerationId, "i1"));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", r.MemberId, r.GenerationId, "i1"));
        Assert.Equal(ErrorCode.FencedInstanceId, h.Commit("g", old.MemberId, old.GenerationId, "t", 0, 1, instanceId: "i1"));
    }

    [Fact]
    public void A_static_member_leaves_by_instance_id()
    {
        var h = new GroupHarness();
        StableStatic(h, "i1");
        var left = h.Leave("g", "", "i1");
        Assert.Equal(ErrorCode.None, E(left.Members[0].ErrorCode));
        Assert.Equal(ErrorCode.UnknownMemberId, E(h.Leave("g", "", "i1").Members[0].ErrorCode));
    }

    [Fact]
    public void A_static_member_rejoins_after_a_coordinator_restart()
    {
        var h = new GroupHarness();
        var old = StableStatic(h, "i1");
        h.Restart();
        Assert.Equal(GroupState.Stable, h.Coordinator.StateOf("g"));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", old.MemberId, old.GenerationId, "i1"));
        var again = h.Join("g", instanceId: "i1");
        Assert.True(again.IsCompletedSuccessfully);
        Assert.Equal(old.GenerationId, again.Result.GenerationId);
        Assert.Equal([7], h.Sync("g", again.Result.MemberId, again.Result.GenerationId, "i1").Result.Assignment);
    }
}
