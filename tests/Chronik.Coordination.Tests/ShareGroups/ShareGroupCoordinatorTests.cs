using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests.ShareGroups;

public sealed class ShareGroupCoordinatorTests
{
    private static readonly Guid TopicA = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid TopicB = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");

    private readonly ManualClock _clock = new();
    private readonly List<ShareGroupRecord> _log = [];
    private List<ConsumerTopic> _topics = [new("a", TopicA, 3, false), new("b", TopicB, 2, false)];
    private ShareGroupCoordinator _coordinator;

    public ShareGroupCoordinatorTests() => _coordinator = New();

    private ShareGroupCoordinator New(int maxSize = 200, Func<string, bool>? other = null) =>
        new(new ShareGroupCoordinatorConfig { MaxGroupSize = maxSize, IsOtherGroup = other }, _clock);

    private ShareGroupHeartbeatAnswer Beat(string member, int epoch, string[]? topics = null, string group = "g", string? rack = null)
    {
        var r = _coordinator.Heartbeat(new ShareGroupHeartbeatCall(group, member, epoch, rack, topics, "client-" + member, "/127.0.0.1"), _topics);
        _log.AddRange(r.Records);
        return r.Response;
    }

    private ShareGroupHeartbeatAnswer Join(string member, params string[] topics) => Beat(member, 0, topics.Length == 0 ? ["a"] : topics);

    private static HashSet<TopicIdPartition> Set(ShareGroupHeartbeatAnswer a) => ShareTopicPartitions.ToSet(a.Assignment ?? []);

    [Fact]
    public void A_first_member_joins_and_gets_every_partition_of_its_topics()
    {
        var a = Join("m1", "a", "b");
        Assert.Equal(ErrorCode.None, a.Error);
        Assert.Equal("m1", a.MemberId);
        Assert.Equal(1, a.MemberEpoch);
        Assert.Equal(5000, a.HeartbeatIntervalMs);
        Assert.Equal(5, Set(a).Count);
        Assert.Collection(_log,
            r => Assert.IsType<ShareGroupMemberRecord>(r),
            r => Assert.Equal(1, Assert.IsType<ShareGroupEpochRecord>(r).Epoch),
            r => Assert.IsType<ShareGroupTargetMemberRecord>(r),
            r => Assert.Equal(1, Assert.IsType<ShareGroupTargetEpochRecord>(r).AssignmentEpoch),
            r => Assert.Equal(1, Assert.IsType<ShareGroupCurrentAssignmentRecord>(r).MemberEpoch));
        // A steady heartbeat changes nothing and carries no assignment.
        _log.Clear();
        var again = Beat("m1", 1);
        Assert.Equal(1, again.MemberEpoch);
        Assert.Null(again.Assignment);
        Assert.Empty(_log);
    }

    public static TheoryData<string, ShareGroupHeartbeatCall, ErrorCode> BadHeartbeats => new()
    {
        { "empty group id", new("", "m1", 0, null, ["a"]), ErrorCode.InvalidRequest },
        { "empty member id", new("g", "", 0, null, ["a"]), ErrorCode.InvalidRequest },
        { "epoch below -1", new("g", "m1", -2, null, ["a"]), ErrorCode.InvalidRequest },
        { "join without topics", new("g", "m1", 0, null, null), ErrorCode.InvalidRequest },
        { "join with no topics", new("g", "m1", 0, null, []), ErrorCode.InvalidRequest },
        { "empty rack", new("g", "m1", 0, "", ["a"]), ErrorCode.InvalidRequest },
        { "unknown group", new("nope", "m1", 3, null, null), ErrorCode.GroupIdNotFound },
        { "unknown member", new("g", "m9", 1, null, null), ErrorCode.UnknownMemberId },
        { "unknown member leaving", new("g", "m9", -1, null, null), ErrorCode.UnknownMemberId },
        { "epoch from the future", new("g", "m1", 7, null, null), ErrorCode.FencedMemberEpoch },
    };

    [Theory]
    [MemberData(nameof(BadHeartbeats))]
    public void Bad_heartbeats_get_Kafkas_errors(string why, ShareGroupHeartbeatCall call, ErrorCode expected)
    {
        Join("m1");
        _log.Clear();
        var r = _coordinator.Heartbeat(call, _topics);
        Assert.True(expected == r.Response.Error, $"{why}: {r.Response.Error} {r.Response.ErrorMessage}");
        Assert.Empty(r.Records);
        Assert.Equal(0, r.Response.HeartbeatIntervalMs);
    }

    [Fact]
    public void An_old_epoch_is_fenced_unless_it_is_the_previous_one()
    {
        Join("m1");
        Join("m2");
        var m1 = Beat("m1", 1);
        Assert.Equal(2, m1.MemberEpoch);
        Join("m3");
        Assert.Equal(3, Beat("m1", 2).MemberEpoch);
        // The response with epoch 3 was lost: the previous epoch is still accepted...
        Assert.Equal(3, Beat("m1", 2).MemberEpoch);
        // ...but an older one is not.
        Assert.Equal(ErrorCode.FencedMemberEpoch, Beat("m1", 1).Error);
    }

    [Fact]
    public void A_full_group_refuses_new_members_but_not_its_own()
    {
        _coordinator = New(maxSize: 2);
        Join("m1");
        Join("m2");
        Assert.Equal(ErrorCode.GroupMaxSizeReached, Join("m3").Error);
        Assert.Equal(ErrorCode.None, Beat("m1", 1).Error);
        Assert.Equal(ErrorCode.None, Join("m2").Error);
    }

    [Fact]
    public void An_id_held_by_a_classic_or_consumer_group_is_not_a_share_group()
    {
        _coordinator = New(other: id => id == "consumers");
        Assert.Equal(ErrorCode.GroupIdNotFound, Beat("m1", 0, ["a"], group: "consumers").Error);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 3)]
    [InlineData(4, 3)]
    [InlineData(5, 2)]
    [InlineData(7, 3)]
    [InlineData(2, 8)]
    public void The_simple_assignor_balances_members_over_partitions_sharing_them_when_members_outnumber_them(int members, int partitions)
    {
        _topics = [new("t", TopicA, partitions, false)];
        var ids = Enumerable.Range(1, members).Select(i => $"m{i}").ToList();
        var epochs = new Dictionary<string, int>();
        foreach (var id in ids) epochs[id] = Beat(id, 0, ["t"]).MemberEpoch;
        var assigned = new Dictionary<string, HashSet<TopicIdPartition>>();
        foreach (var id in ids)
        {
            var a = Beat(id, epochs[id]);
            Assert.Equal(ErrorCode.None, a.Error);
            assigned[id] = [.. _coordinator.AssignmentOf("g", id)!];
        }
        int sharing = (members + partitions - 1) / partitions;
        for (int p = 0; p < partitions; p++)
        {
            int owners = assigned.Values.Count(s => s.Contains(new TopicIdPartition(TopicA, p)));
            Assert.True(owners == sharing, $"partition {p} has {owners} members, expected {sharing}");
        }
        var sizes = assigned.Values.Select(s => s.Count).ToList();
        Assert.True(sizes.Max() - sizes.Min() <= 1, $"unbalanced: {string.Join(",", sizes)}");
        Assert.All(sizes, n => Assert.True(n >= 1));
        var description = _coordinator.Describe("g")!;
        Assert.All(description.Members, m => Assert.Equal(description.AssignmentEpoch, m.MemberEpoch));
    }

    [Fact]
    public void Three_members_on_one_partition_all_get_it()
    {
        _topics = [new("t", TopicA, 1, false)];
        var one = new TopicIdPartition(TopicA, 0);
        foreach (var id in new[] { "m1", "m2", "m3" }) Beat(id, 0, ["t"]);
        foreach (var id in new[] { "m1", "m2", "m3" }) Assert.Equal([one], _coordinator.AssignmentOf("g", id)!);
    }

    [Fact]
    public void A_new_member_moves_as_few_partitions_as_balance_needs()
    {
        _topics = [new("t", TopicA, 4, false)];
        int e1 = Beat("a", 0, ["t"]).MemberEpoch;
        int e2 = Beat("b", 0, ["t"]).MemberEpoch;
        e1 = Beat("a", e1).MemberEpoch;
        var before = new Dictionary<string, HashSet<TopicIdPartition>> { ["a"] = [.. _coordinator.AssignmentOf("g", "a")!], ["b"] = [.. _coordinator.AssignmentOf("g", "b")!] };
        Assert.Equal(2, before["a"].Count);
        Assert.Equal(2, before["b"].Count);
        Beat("c", 0, ["t"]);
        Beat("a", e1);
        Beat("b", e2);
        Assert.Subset(before["a"], _coordinator.AssignmentOf("g", "a")!.ToHashSet());
        Assert.Subset(before["b"], _coordinator.AssignmentOf("g", "b")!.ToHashSet());
        Assert.Single(_coordinator.AssignmentOf("g", "c")!);
    }

    [Fact]
    public void Members_with_different_subscriptions_get_only_their_topics()
    {
        Join("m1", "a");
        Join("m2", "a", "b");
        int e1 = _coordinator.Describe("g")!.Members.Single(m => m.MemberId == "m1").MemberEpoch;
        Beat("m1", e1);
        Assert.All(_coordinator.AssignmentOf("g", "m1")!, tp => Assert.Equal(TopicA, tp.TopicId));
        Assert.Equal(2, _coordinator.AssignmentOf("g", "m2")!.Count(tp => tp.TopicId == TopicB));
        int aPartitions = _coordinator.AssignmentOf("g", "m1")!.Count + _coordinator.AssignmentOf("g", "m2")!.Count(tp => tp.TopicId == TopicA);
        Assert.Equal(3, aPartitions);
    }

    [Fact]
    public void A_topic_gaining_partitions_bumps_the_epoch_and_spreads_them()
    {
        var first = Join("m1");
        _topics = [new("a", TopicA, 5, false)];
        var next = Beat("m1", first.MemberEpoch);
        Assert.Equal(first.MemberEpoch + 1, next.MemberEpoch);
        Assert.Equal(5, Set(next).Count);
    }

    [Fact]
    public void Subscribing_to_a_topic_that_does_not_exist_yet_assigns_it_once_it_does()
    {
        var a = Join("m1", "later");
        Assert.Empty(Set(a));
        _topics = [.. _topics, new("later", Guid.NewGuid(), 2, false)];
        Assert.Equal(2, Set(Beat("m1", a.MemberEpoch)).Count);
    }

    [Fact]
    public void A_leaving_member_is_removed_and_its_partitions_go_to_the_others()
    {
        int e1 = Join("m1").MemberEpoch;
        Join("m2");
        e1 = Beat("m1", e1).MemberEpoch;
        var r = _coordinator.Heartbeat(new ShareGroupHeartbeatCall("g", "m2", -1, null, null), _topics);
        Assert.Equal(-1, r.Response.MemberEpoch);
        Assert.Equal([("g", "m2")], r.RemovedMembers);
        Assert.Contains(r.Records, x => x is ShareGroupMemberRecord { IsTombstone: true, MemberId: "m2" });
        var after = Beat("m1", e1);
        Assert.Equal(3, Set(after).Count);
        Assert.Equal(ErrorCode.UnknownMemberId, Beat("m2", 2).Error);
    }

    [Fact]
    public void A_member_that_stops_heartbeating_is_fenced_after_the_session_timeout()
    {
        int e1 = Join("m1").MemberEpoch;
        Join("m2");
        _clock.Advance(30_000);
        Beat("m1", e1);
        Assert.Equal(_clock.NowMs + 15_000, _coordinator.NextSessionDeadlineMs);
        _clock.Advance(15_000);
        var expired = _coordinator.ExpireSessions();
        Assert.Equal([("g", "m2")], expired.RemovedMembers);
        Assert.Equal(ErrorCode.UnknownMemberId, Beat("m2", 2).Error);
        Assert.Single(_coordinator.Describe("g")!.Members);
        _clock.Advance(30_000);
        Assert.Equal(1, _coordinator.ExpireSessions().Response);
        Assert.Equal("Empty", _coordinator.Describe("g")!.GroupState);
        Assert.Equal([("g", "Empty")], _coordinator.List());
    }

    [Fact]
    public void Group_configs_set_the_session_timeout_and_heartbeat_interval()
    {
        var settings = new ShareGroupSettings { SessionTimeoutMs = 50_000, HeartbeatIntervalMs = 7_000 };
        _coordinator = new ShareGroupCoordinator(new ShareGroupCoordinatorConfig { SettingsFor = _ => settings }, _clock);
        Assert.Equal(7_000, Join("m1").HeartbeatIntervalMs);
        Assert.Equal(_clock.NowMs + 50_000, _coordinator.NextSessionDeadlineMs);
    }

    [Fact]
    public void Replaying_the_records_rebuilds_the_groups()
    {
        int e1 = Join("m1", "a", "b").MemberEpoch;
        Join("m2", "a");
        Join("m3", "b");
        Beat("m1", e1);
        _coordinator.Heartbeat(new ShareGroupHeartbeatCall("g", "m3", 3, null, null), _topics).Records.ToList().ForEach(_log.Add);
        Beat("x1", 0, ["a"], group: "other");
        var expected = _coordinator.Describe("g")!;

        var rebuilt = New();
        foreach (var r in _log) rebuilt.Replay(r);
        rebuilt.CompleteReplay();
        var actual = rebuilt.Describe("g")!;
        Assert.Equal(expected.GroupEpoch, actual.GroupEpoch);
        Assert.Equal(expected.AssignmentEpoch, actual.AssignmentEpoch);
        Assert.Equal(expected.Members.Select(m => (m.MemberId, m.MemberEpoch, m.ClientId, string.Join(",", m.SubscribedTopicNames), Flat(m.Assignment))),
            actual.Members.Select(m => (m.MemberId, m.MemberEpoch, m.ClientId, string.Join(",", m.SubscribedTopicNames), Flat(m.Assignment))));
        Assert.True(rebuilt.HasGroup("other"));
        // The rebuilt coordinator carries on where the old one stopped.
        _coordinator = rebuilt;
        var m2Epoch = actual.Members.Single(m => m.MemberId == "m2").MemberEpoch;
        Assert.Equal(ErrorCode.None, Beat("m2", m2Epoch).Error);
    }

    private static string Flat(IReadOnlyList<ShareTopicPartitions> a) => string.Join(";", a.Select(t => $"{t.TopicId}:{string.Join(",", t.Partitions)}"));

    [Fact]
    public void Only_an_empty_group_can_be_deleted()
    {
        int e = Join("m1").MemberEpoch;
        Assert.Equal(ErrorCode.NonEmptyGroup, _coordinator.Delete("g").Response);
        Beat("m1", -1);
        var deleted = _coordinator.Delete("g");
        Assert.Equal(ErrorCode.None, deleted.Response);
        Assert.All(deleted.Records, r => Assert.True(r.IsTombstone));
        Assert.Null(_coordinator.Describe("g"));
        Assert.Equal(ErrorCode.GroupIdNotFound, _coordinator.Delete("g").Response);
        Assert.Equal(ErrorCode.GroupIdNotFound, Beat("m1", e).Error);
    }
}
