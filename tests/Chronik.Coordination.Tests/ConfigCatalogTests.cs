using System.Text.RegularExpressions;
using Chronik.Coordination.Configs.Catalog;
using Xunit;

namespace Chronik.Coordination.Tests;

/// <summary>The config catalog: each key defined once, synonyms that resolve, Kafka's names and Kafka's validation wording.</summary>
public partial class ConfigCatalogTests
{
    public static TheoryData<string> Kinds => new() { "broker", "topic", "group" };

    private static IReadOnlyList<ConfigKey> Of(string kind) => kind switch
    {
        "broker" => BrokerConfigKeys.All,
        "topic" => TopicConfigKeys.All,
        _ => GroupConfigKeys.All,
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void No_key_is_defined_twice(string kind)
    {
        Assert.Empty(ConfigCatalog.Duplicates(Of(kind)));
        Assert.All(Of(kind), k => Assert.NotEqual("", k.Documentation));
        Assert.NotNull(ConfigCatalog.Broker(BrokerConfigKeys.NodeId.Name)); // the indexes build (they throw on a name defined twice)
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_declared_key_is_listed_once(string kind)
    {
        // A key declared as a field but left out of All (or listed twice) would be parsed nowhere, or twice.
        var type = kind switch { "broker" => typeof(BrokerConfigKeys), "topic" => typeof(TopicConfigKeys), _ => typeof(GroupConfigKeys) };
        var declared = type.GetFields().Where(f => f.FieldType == typeof(ConfigKey)).Select(f => (ConfigKey)f.GetValue(null)!).ToList();
        Assert.Equal(declared.Count, Of(kind).Count);
        Assert.All(declared, d => Assert.Single(Of(kind), k => ReferenceEquals(k, d)));
    }

    [Fact]
    public void Topic_and_group_keys_default_from_catalog_broker_keys()
    {
        foreach (var key in TopicConfigKeys.All.Concat(GroupConfigKeys.All))
        {
            Assert.All(key.Synonyms, s => Assert.Contains(BrokerConfigKeys.All, b => ReferenceEquals(b, s.Key)));
        }
        Assert.Equal(["log.retention.ms", "log.retention.minutes", "log.retention.hours"], TopicConfigKeys.RetentionMs.Synonyms.Select(s => s.Key.Name));
        Assert.Equal(3_600_000, ConfigCatalog.TopicOfBrokerKey("log.retention.hours")!.Value.Factor);
        Assert.Same(BrokerConfigKeys.GroupConsumerSessionTimeoutMs, Assert.Single(GroupConfigKeys.ConsumerSessionTimeoutMs.Synonyms).Key);
    }

    [Fact]
    public void The_dynamic_broker_keys_are_exactly_those_topics_default_from()
    {
        var dynamic = BrokerConfigKeys.All.Where(k => k.Dynamic).Select(k => k.Name).Order(StringComparer.Ordinal);
        var synonyms = TopicConfigKeys.All.SelectMany(t => t.Synonyms).Select(s => s.Key.Name).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(synonyms, dynamic);
        Assert.All(TopicConfigKeys.All.Concat(GroupConfigKeys.All), k => Assert.True(k.Dynamic, k.Name));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_default_is_valid_for_its_own_key(string kind)
    {
        // node.id and broker.id default to Kafka's -1 ("not set"), below the bound a set value must meet.
        foreach (var key in Of(kind).Where(k => k.Default is not null && k != BrokerConfigKeys.NodeId && k != BrokerConfigKeys.BrokerId))
        {
            Assert.True(key.Validate(key.Default!) is null, $"{key.Name}={key.Default}: {key.Validate(key.Default!)}");
        }
    }

    [Fact]
    public void Topic_keys_are_kafka_4_topic_configs()
    {
        string[] kafka =
        [
            "cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type", "compression.zstd.level",
            "delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms", "follower.replication.throttled.replicas",
            "index.interval.bytes", "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
            "max.compaction.lag.ms", "max.message.bytes", "message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
            "message.timestamp.type", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
            "remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes", "retention.ms",
            "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
        ];
        // Kafka 3.x's message.downconversion.enable (gone with message formats v0/v1 in 4.0) is still accepted for older tools.
        Assert.Equal(["message.downconversion.enable"], TopicConfigKeys.All.Select(k => k.Name).Except(kafka));
        // Not served (documented in COMPATIBILITY.md): per-codec levels, replication throttles, tiered-storage switches.
        Assert.Equal(
            ["compression.gzip.level", "compression.lz4.level", "compression.zstd.level", "follower.replication.throttled.replicas",
             "leader.replication.throttled.replicas", "remote.log.copy.disable", "remote.log.delete.on.disable"],
            kafka.Except(TopicConfigKeys.All.Select(k => k.Name)));
    }

    [Fact]
    public void Group_keys_are_kafka_4_group_configs()
    {
        string[] kafka =
        [
            "consumer.heartbeat.interval.ms", "consumer.session.timeout.ms", "share.auto.offset.reset", "share.delivery.count.limit",
            "share.heartbeat.interval.ms", "share.isolation.level", "share.record.lock.duration.ms", "share.session.timeout.ms",
            "streams.heartbeat.interval.ms", "streams.num.standby.replicas", "streams.session.timeout.ms",
        ];
        Assert.Empty(GroupConfigKeys.All.Select(k => k.Name).Except(kafka));
        // Streams groups (KIP-1071) are not served, so neither are their keys.
        Assert.All(kafka.Except(GroupConfigKeys.All.Select(k => k.Name)), k => Assert.StartsWith("streams.", k, StringComparison.Ordinal));
        Assert.Equal(GroupConfigKeys.All.Select(k => k.Name).Order(StringComparer.Ordinal), GroupConfigKeys.All.Select(k => k.Name));
    }

    [Fact]
    public void Validation_speaks_kafkas_config_exception()
    {
        Assert.Equal("Invalid value -2 for configuration retention.ms: Value must be at least -1", TopicConfigKeys.RetentionMs.Validate("-2"));
        Assert.Equal("Invalid value x for configuration segment.bytes: Not a number of type INT", TopicConfigKeys.SegmentBytes.Validate("x"));
        Assert.Equal("Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT", TopicConfigKeys.SegmentBytes.Validate("3000000000"));
        Assert.Equal("Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1", TopicConfigKeys.MinCleanableDirtyRatio.Validate("1.5"));
        Assert.Equal("Invalid value delete,bogus for configuration cleanup.policy: String must be one of: delete, compact", TopicConfigKeys.CleanupPolicy.Validate("delete,bogus"));
        Assert.Equal("Invalid value maybe for configuration preallocate: Expected value to be either true or false", TopicConfigKeys.Preallocate.Validate("maybe"));
        Assert.Equal("Invalid value 11 for configuration share.delivery.count.limit: Value must be no more than 10", GroupConfigKeys.ShareDeliveryCountLimit.Validate("11"));
        Assert.Null(TopicConfigKeys.CleanupPolicy.Validate("compact, delete"));
        Assert.Null(BrokerConfigKeys.LogRetentionHours.Validate("-1"));
        Assert.NotNull(BrokerConfigKeys.LogRollHours.Validate("0"));
    }

    [Fact]
    public void No_source_file_spells_a_catalog_key_outside_the_catalog()
    {
        // Every other file names a key through its definition (TopicConfigKeys.RetentionMs.Name), so a key is spelled once.
        var names = BrokerConfigKeys.All.Concat(TopicConfigKeys.All).Concat(GroupConfigKeys.All).Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        string src = Path.Combine(RepoRoot(), "src");
        var found = new List<string>();
        foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(src, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal)
                || relative.StartsWith("Chronik.Coordination/Configs/Catalog/", StringComparison.Ordinal)
                || relative.StartsWith("Chronik.Protocol", StringComparison.Ordinal))
            {
                continue;
            }
            string code = string.Join('\n', File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
            foreach (Match m in KeyLiteral().Matches(code))
            {
                if (names.Contains(m.Groups[1].Value)) found.Add($"{relative}: \"{m.Groups[1].Value}\"");
            }
        }
        Assert.Empty(found);
    }

    // A string literal that looks like a dotted config key (booleans and single words are not keys).
    [GeneratedRegex("\"([a-z0-9]+(?:\\.[a-z0-9]+)+)\"")]
    private static partial Regex KeyLiteral();

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Chronik.slnx"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("repo root");
    }
}
