using Chronik.Broker.Services;
using Chronik.Coordination.Topics;
using Chronik.Storage.Memory;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Config sources and synonyms as DescribeConfigs reports them, against a broker configured from server.properties.</summary>
public class AdminConfigDescriberTests
{
    private static (BrokerOptions Options, TopicManager Topics) Broker(params (string Key, string Value)[] raw)
    {
        var options = new BrokerOptions { NodeId = 3, DataDir = "/tmp/chronik-describer", LogRetentionMs = 24L * 3600 * 1000, DefaultReplicationFactor = 1 };
        foreach (var (k, v) in raw) options.RawConfig[k] = v;
        return (options, new TopicManager(new MemoryLogStore(), BrokerHostingExtensions.TopicDefaultsFrom(options), new Chronik.Coordination.Metadata.MemoryMetadataStore(), null));
    }

    [Fact]
    public void Topic_values_come_from_the_topic_then_server_properties_then_kafka_defaults()
    {
        var (options, topics) = Broker(("log.retention.hours", "24"), ("log.cleanup.policy", "compact"));
        var topic = topics.Create("described", 1, 1, new Dictionary<string, string?> { ["segment.bytes"] = "1048576" }, validateOnly: false).Topic!;
        var configs = ConfigDescriber.DescribeTopic(topic, topics, options).ToDictionary(c => c.Name);

        Assert.Equal(TopicConfigCatalog.All.Count, configs.Count);
        Assert.Equal(("1048576", ConfigSourceId.TopicConfig), (configs["segment.bytes"].Value, configs["segment.bytes"].Source));
        Assert.Equal(("86400000", ConfigSourceId.StaticBrokerConfig), (configs["retention.ms"].Value, configs["retention.ms"].Source));
        Assert.Equal(("compact", ConfigSourceId.StaticBrokerConfig), (configs["cleanup.policy"].Value, configs["cleanup.policy"].Source));
        Assert.Equal(("producer", ConfigSourceId.DefaultConfig), (configs["compression.type"].Value, configs["compression.type"].Source));
        Assert.Equal("1048588", configs["max.message.bytes"].Value);
        Assert.Equal("CreateTime", configs["message.timestamp.type"].Value);

        var synonyms = configs["retention.ms"].Synonyms;
        Assert.Equal(new ConfigSynonym("log.retention.hours", "24", ConfigSourceId.StaticBrokerConfig), synonyms[0]);
        Assert.Equal(ConfigSourceId.DefaultConfig, synonyms[^1].Source);
        Assert.Equal(new ConfigSynonym("segment.bytes", "1048576", ConfigSourceId.TopicConfig), configs["segment.bytes"].Synonyms[0]);
    }

    [Fact]
    public void Broker_configs_report_server_properties_as_static_and_the_rest_as_default()
    {
        var (options, _) = Broker(("num.partitions", "6"));
        var configs = ConfigDescriber.DescribeBroker(options).ToDictionary(c => c.Name);
        Assert.Equal(("6", ConfigSourceId.StaticBrokerConfig), (configs["num.partitions"].Value, configs["num.partitions"].Source));
        Assert.Equal(("1", ConfigSourceId.DefaultConfig), (configs["default.replication.factor"].Value, configs["default.replication.factor"].Source));
        Assert.Equal("3", configs["node.id"].Value);
        Assert.Equal("86400000", configs["log.retention.ms"].Value);
        Assert.Equal(Path.GetFullPath("/tmp/chronik-describer"), configs["log.dirs"].Value);
        Assert.Equal((sbyte)Chronik.Coordination.Configs.Catalog.ConfigType.Int, configs["default.replication.factor"].Type);
        foreach (var key in new[] { "auto.create.topics.enable", "log.retention.bytes", "log.segment.bytes", "message.max.bytes", "log.flush.interval.messages",
            "log.flush.interval.ms", "broker.id", "advertised.listeners", "group.initial.rebalance.delay.ms", "offsets.retention.minutes",
            "transaction.max.timeout.ms", "min.insync.replicas", "log.cleanup.policy", "compression.type" })
        {
            Assert.Contains(key, configs.Keys);
        }
    }
}
