using Chronik.Coordination.Configs;
using Chronik.Coordination.Groups;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Tests.Metadata;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>GROUP config resources: validation against the broker's bounds, persistence, and their effect on KIP-848 groups.</summary>
public class GroupConfigStoreTests
{
    private static (ErrorCode, string?) Set(GroupConfigStore s, string group, string key, string? value, bool validateOnly = false) =>
        s.Alter(group, c =>
        {
            c[key] = value!;
            return (ErrorCode.None, null);
        }, validateOnly);

    [Fact]
    public void Values_are_checked_against_type_and_the_broker_bounds()
    {
        var s = new GroupConfigStore(new GroupConfigBounds(), new MemoryMetadataStore());
        Assert.Equal((ErrorCode.None, null), Set(s, "g", GroupConfigStore.ConsumerSessionTimeout, "50000"));
        Assert.Equal(50000, s.ConsumerSessionTimeoutMs("g"));

        var low = Set(s, "g", GroupConfigStore.ConsumerSessionTimeout, "1000");
        Assert.Equal(ErrorCode.InvalidConfig, low.Item1);
        Assert.Equal("consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms", low.Item2);
        var high = Set(s, "g", GroupConfigStore.ConsumerHeartbeatInterval, "20000");
        Assert.Equal("consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms", high.Item2);
        Assert.Contains("Not a number of type INT", Set(s, "g", GroupConfigStore.ConsumerHeartbeatInterval, "abc").Item2);
        Assert.Contains("Value must be at least 1", Set(s, "g", GroupConfigStore.ConsumerHeartbeatInterval, "0").Item2);
        Assert.Equal("Unknown group config name: session.timeout.ms", GroupConfigStore.ValidateName("session.timeout.ms"));
        // A rejected change leaves the earlier value.
        Assert.Equal(50000, s.ConsumerSessionTimeoutMs("g"));
        Assert.Null(s.ConsumerHeartbeatIntervalMs("g"));
    }

    [Fact]
    public void Session_timeout_must_exceed_the_heartbeat_interval()
    {
        var s = new GroupConfigStore(new GroupConfigBounds { ConsumerMinSessionTimeoutMs = 1000, ConsumerMaxHeartbeatIntervalMs = 60_000 }, new MemoryMetadataStore());
        Assert.Equal(ErrorCode.None, Set(s, "g", GroupConfigStore.ConsumerHeartbeatInterval, "10000").Item1);
        var r = Set(s, "g", GroupConfigStore.ConsumerSessionTimeout, "10000");
        Assert.Equal((ErrorCode.InvalidConfig, "consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms"), r);
    }

    [Fact]
    public void Validate_only_changes_nothing_and_changes_are_rebuilt_by_replay()
    {
        using var dir = new MetadataDir();
        var s = new GroupConfigStore(new GroupConfigBounds(), dir.Store);
        Assert.Equal(ErrorCode.None, Set(s, "g", GroupConfigStore.ConsumerHeartbeatInterval, "7000", validateOnly: true).Item1);
        Assert.Null(s.ConsumerHeartbeatIntervalMs("g"));
        Assert.Equal(ErrorCode.None, Set(s, "g", GroupConfigStore.ConsumerHeartbeatInterval, "7000").Item1);
        Assert.Equal(ErrorCode.None, Set(s, "h", GroupConfigStore.ConsumerSessionTimeout, "50000").Item1);
        dir.Store.TakeSnapshot();

        var reloaded = new GroupConfigStore(new GroupConfigBounds(), dir.Reopen());
        Assert.Equal(7000, reloaded.ConsumerHeartbeatIntervalMs("g"));
        Assert.Equal(ErrorCode.None, reloaded.Alter("g", c => { c.Clear(); return (ErrorCode.None, null); }, false).Item1);
        var again = new GroupConfigStore(new GroupConfigBounds(), dir.Reopen());
        Assert.Empty(again.Get("g"));
        Assert.Equal(["h"], again.ConfiguredGroups);
        Assert.Equal(50000, again.ConsumerSessionTimeoutMs("h"));
    }

    [Fact]
    public void A_group_configs_json_of_the_json_era_is_imported_once()
    {
        using var dir = new MetadataDir();
        File.WriteAllText(dir.LegacyFile("group-configs.json"), """{"Groups":{"old":{"consumer.session.timeout.ms":"50000"}}}""");
        var s = new GroupConfigStore(new GroupConfigBounds(), dir.Store, dir.DataDir);
        Assert.Equal(50000, s.ConsumerSessionTimeoutMs("old"));
        Assert.True(File.Exists(dir.LegacyFile("group-configs.json.migrated")));
        Assert.Equal(50000, new GroupConfigStore(new GroupConfigBounds(), dir.Reopen(), dir.DataDir).ConsumerSessionTimeoutMs("old"));
    }

    private static ConsumerGroupHeartbeatResponse Beat(GroupHarness h, string member, int epoch)
    {
        var r = new ConsumerGroupHeartbeatRequest
        {
            GroupId = "g",
            MemberId = member,
            MemberEpoch = epoch,
            RebalanceTimeoutMs = epoch == 0 ? 30_000 : -1,
            SubscribedTopicNames = epoch == 0 ? ["orders"] : null,
            TopicPartitions = epoch == 0 ? [] : null,
        };
        var topics = new List<ConsumerTopic> { new("orders", new Guid("00000000-0000-0000-0000-00000000000a"), 2, false) };
        var result = h.Coordinator.ConsumerGroupHeartbeat(r, new ClientInfo("c", "/127.0.0.1", 1), topics, h.Now);
        h.Log.AddRange(result.Records);
        return result.Response;
    }

    [Fact]
    public void The_coordinator_uses_the_groups_heartbeat_interval_and_session_timeout()
    {
        var store = new GroupConfigStore(new GroupConfigBounds { ConsumerMinSessionTimeoutMs = 1000 }, new MemoryMetadataStore());
        var h = new GroupHarness(new GroupCoordinatorConfig { GroupConfigs = store });
        var first = Beat(h, "m1", 0);
        Assert.Equal(5000, first.HeartbeatIntervalMs);

        Assert.Equal(ErrorCode.None, Set(store, "g", GroupConfigStore.ConsumerHeartbeatInterval, "6000").Item1);
        Assert.Equal(ErrorCode.None, Set(store, "g", GroupConfigStore.ConsumerSessionTimeout, "8000").Item1);
        var next = Beat(h, "m1", first.MemberEpoch);
        Assert.Equal(6000, next.HeartbeatIntervalMs);

        // Silent for 7 s: still a member. Then silent for 9 s: beyond the group's 8 s session timeout (the broker
        // default is 45 s), so the member is gone (and with it the empty group).
        h.Now += 7000;
        h.Coordinator.Tick(h.Now);
        Assert.Equal(0, Beat(h, "m1", next.MemberEpoch).ErrorCode);
        h.Now += 9000;
        h.Coordinator.Tick(h.Now);
        Assert.Empty(h.Coordinator.ConsumerAssignmentOf("g", "m1"));
        Assert.NotEqual(0, Beat(h, "m1", next.MemberEpoch).ErrorCode);
    }
}
