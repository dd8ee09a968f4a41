using Chronik.Coordination.Metadata;
using Chronik.Coordination.Tests.Metadata;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Storage.Memory;

namespace Chronik.Coordination.Tests;

/// <summary>Topics on the metadata store: rebuilt by replay of the snapshot then the log, and the topics.json upgrade.</summary>
public class TopicManagerReplayTests
{
    private static TopicManager Open(MetadataDir dir, MemoryLogStore? logs = null) => new(logs ?? new MemoryLogStore(), new TopicDefaults(), dir.Store, dir.DataDir);

    private static string Describe(TopicManager m) => string.Join("; ", m.Topics.Select(t =>
        $"{t.Name}/{t.Id}/{t.PartitionCount}/{string.Join(",", t.Configs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value))}"));

    [Fact]
    public void Topics_partitions_and_configs_are_rebuilt_by_replay_of_the_snapshot_then_the_log()
    {
        using var dir = new MetadataDir();
        var logs = new MemoryLogStore();
        var m = Open(dir, logs);
        string clusterId = m.ClusterId;
        Assert.Equal(ErrorCode.None, m.Create("a", 2, 1, new Dictionary<string, string?> { ["retention.ms"] = "1000" }, false).Error);
        Assert.Equal(ErrorCode.None, m.Create("gone", 1, 1, null, false).Error);
        Assert.Equal(ErrorCode.None, m.Delete("gone").Error);
        Assert.Null(logs.Get("gone", 0));
        dir.Store.TakeSnapshot();
        Assert.Equal(ErrorCode.None, m.CreatePartitions("a", 4, false).Error);
        Assert.Equal(ErrorCode.None, m.AlterConfigs("a", c => { c.Remove("retention.ms"); c["cleanup.policy"] = "compact"; return default; }, false).Error);
        Assert.Equal(ErrorCode.None, m.Create("gone", 3, 1, null, false).Error);
        string before = Describe(m);

        var fresh = new MemoryLogStore();
        dir.Reopen();
        var reopened = Open(dir, fresh);
        Assert.Equal(before, Describe(reopened));
        Assert.Equal(clusterId, reopened.ClusterId);
        Assert.Equal(7, reopened.PartitionCount);
        Assert.NotNull(fresh.Get("a", 3));
        Assert.NotNull(fresh.Get("gone", 2));
        Assert.Equal(ErrorCode.TopicAlreadyExists, reopened.Create("a", 1, 1, null, false).Error);
    }

    [Fact]
    public void A_topics_json_of_the_json_era_is_imported_once()
    {
        using var dir = new MetadataDir();
        var id = Guid.NewGuid();
        File.WriteAllText(dir.LegacyFile("topics.json"), $$$"""[{"Name":"old","Id":"{{{id}}}","Partitions":3,"Configs":{"retention.ms":"3600000"}}]""");
        var logs = new MemoryLogStore();
        var m = Open(dir, logs);
        var old = m.Get("old")!;
        Assert.Equal((id, 3, "3600000"), (old.Id, old.PartitionCount, old.Configs["retention.ms"]));
        Assert.NotNull(logs.Get("old", 2));
        Assert.True(File.Exists(dir.LegacyFile("topics.json.migrated")));
        Assert.Equal(Describe(m), Describe(new TopicManager(new MemoryLogStore(), new TopicDefaults(), dir.Reopen(), dir.DataDir)));
    }

    [Fact]
    public void Topic_broker_and_group_config_records_share_the_log_and_each_holder_keeps_its_own()
    {
        using var dir = new MetadataDir();
        var topics = Open(dir);
        var brokers = new ConfigResourceTable(dir.Store, 4);
        var groups = new ConfigResourceTable(dir.Store, 32);
        Assert.Equal(ErrorCode.None, topics.Create("same", 1, 1, new Dictionary<string, string?> { ["retention.ms"] = "1" }, false).Error);
        brokers.Set("same", new Dictionary<string, string> { ["log.retention.ms"] = "2" });
        groups.Set("same", new Dictionary<string, string> { ["consumer.session.timeout.ms"] = "50000" });
        dir.Store.TakeSnapshot();
        brokers.Set("", new Dictionary<string, string> { ["log.retention.ms"] = "3" });

        dir.Reopen();
        var topics2 = Open(dir);
        var brokers2 = new ConfigResourceTable(dir.Store, 4);
        var groups2 = new ConfigResourceTable(dir.Store, 32);
        Assert.Equal(["retention.ms=1"], topics2.Get("same")!.Configs.Select(c => c.Key + "=" + c.Value));
        Assert.Equal(["log.retention.ms=2"], brokers2.Get("same").Select(c => c.Key + "=" + c.Value));
        Assert.Equal(["log.retention.ms=3"], brokers2.Get("").Select(c => c.Key + "=" + c.Value));
        Assert.Equal(["consumer.session.timeout.ms=50000"], groups2.Get("same").Select(c => c.Key + "=" + c.Value));

        // A snapshot taken by a process where only the topic holder registered keeps the broker and group records verbatim.
        dir.Reopen();
        _ = Open(dir);
        dir.Store.TakeSnapshot();
        dir.Reopen();
        Assert.Equal(["log.retention.ms=3"], new ConfigResourceTable(dir.Store, 4).Get("").Select(c => c.Key + "=" + c.Value));
        Assert.Equal(["consumer.session.timeout.ms=50000"], new ConfigResourceTable(dir.Store, 32).Get("same").Select(c => c.Key + "=" + c.Value));
        Assert.Equal(["retention.ms=1"], Open(dir).Get("same")!.Configs.Select(c => c.Key + "=" + c.Value));
    }
}
