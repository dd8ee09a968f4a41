using System.Globalization;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>AlterConfigs and IncrementalAlterConfigs on topics (shared broker) and on broker dynamic configs (own broker, restarted).</summary>
[Collection("broker")]
public class AlterConfigsTests(BrokerFixture broker)
{
    private const sbyte Topic = 2, Broker = 4;
    private const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static T Call<T>(int port, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private void CreateTopic(int port, string name, params (string Key, string Value)[] configs)
    {
        var t = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 2, ReplicationFactor = 1 };
        foreach (var (k, v) in configs) t.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = k, Value = v });
        var r = Call<CreateTopicsResponse>(port, new CreateTopicsRequest { Topics = [t] }, 5);
        Assert.Equal(0, r.Topics[0].ErrorCode);
    }

    private static IncrementalAlterConfigsResponse.AlterConfigsResourceResponse Incremental(int port, short version, sbyte type, string name, bool validateOnly, params (string Key, sbyte Op, string? Value)[] ops)
    {
        var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = type, ResourceName = name };
        foreach (var (k, op, v) in ops) resource.Configs.Add(new IncrementalAlterConfigsRequest.AlterableConfig { Name = k, ConfigOperation = op, Value = v });
        var r = Call<IncrementalAlterConfigsResponse>(port, new IncrementalAlterConfigsRequest { Resources = [resource], ValidateOnly = validateOnly }, version);
        return Assert.Single(r.Responses);
    }

    private static AlterConfigsResponse.AlterConfigsResourceResponse Alter(int port, short version, sbyte type, string name, bool validateOnly, params (string Key, string? Value)[] configs)
    {
        var resource = new AlterConfigsRequest.AlterConfigsResource { ResourceType = type, ResourceName = name };
        foreach (var (k, v) in configs) resource.Configs.Add(new AlterConfigsRequest.AlterableConfig { Name = k, Value = v });
        var r = Call<AlterConfigsResponse>(port, new AlterConfigsRequest { Resources = [resource], ValidateOnly = validateOnly }, version);
        return Assert.Single(r.Responses);
    }

    private static Dictionary<string, DescribeConfigsResponse.DescribeConfigsResourceResult> Describe(int port, sbyte type, string name)
    {
        var r = Call<DescribeConfigsResponse>(port, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = type, ResourceName = name, ConfigurationKeys = null }],
            IncludeSynonyms = true,
        }, 4);
        var result = Assert.Single(r.Results);
        Assert.Equal(0, result.ErrorCode);
        return result.Configs.ToDictionary(c => c.Name);
    }

    private static (string? Value, sbyte Source) Read(int port, string topic, string key)
    {
        var c = Describe(port, Topic, topic)[key];
        return (c.Value, c.ConfigSource);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Incremental_set_changes_retention_and_the_partition_log_at_once(short version)
    {
        string name = Unique("iac-set");
        CreateTopic(broker.Port, name);
        var r = Incremental(broker.Port, version, Topic, name, false, ("retention.ms", Set, "3600000"), ("segment.bytes", Set, "1048576"));
        Assert.Equal((0, (string?)null), (r.ErrorCode, r.ErrorMessage));
        Assert.Equal(("3600000", (sbyte)1), Read(broker.Port, name, "retention.ms"));
        Assert.Equal(("1048576", (sbyte)1), Read(broker.Port, name, "segment.bytes"));

        var topics = broker.Services.GetRequiredService<TopicManager>();
        var log = topics.GetLog(name, 1)!;
        Assert.Equal(3_600_000, log.Config.RetentionMs);
        Assert.Equal(1_048_576, log.Config.SegmentBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void AlterConfigs_replaces_the_whole_set_of_overrides(short version)
    {
        string name = Unique("ac-replace");
        CreateTopic(broker.Port, name, ("segment.bytes", "1048576"), ("retention.ms", "1000"));
        var r = Alter(broker.Port, version, Topic, name, false, ("retention.ms", "7200000"));
        Assert.Equal(0, r.ErrorCode);
        Assert.Equal(("7200000", (sbyte)1), Read(broker.Port, name, "retention.ms"));
        Assert.Equal(("1073741824", (sbyte)5), Read(broker.Port, name, "segment.bytes"));
        Assert.Equal(1 << 30, broker.Services.GetRequiredService<TopicManager>().GetLog(name, 0)!.Config.SegmentBytes);
    }

    [Fact]
    public void Validate_only_changes_nothing()
    {
        string name = Unique("iac-validate");
        CreateTopic(broker.Port, name);
        Assert.Equal(0, Incremental(broker.Port, 1, Topic, name, true, ("retention.ms", Set, "1234")).ErrorCode);
        Assert.Equal(0, Alter(broker.Port, 2, Topic, name, true, ("retention.ms", "1234")).ErrorCode);
        Assert.Equal(("604800000", (sbyte)5), Read(broker.Port, name, "retention.ms"));
        var bad = Incremental(broker.Port, 1, Topic, name, true, ("retention.ms", Set, "soon"));
        Assert.Equal((short)KafkaError.InvalidConfig, bad.ErrorCode);
    }

    [Fact]
    public void Append_and_subtract_on_cleanup_policy()
    {
        string name = Unique("iac-list");
        CreateTopic(broker.Port, name);
        // Unset: APPEND starts from Kafka's default (delete), as Kafka does.
        Assert.Equal(0, Incremental(broker.Port, 1, Topic, name, false, ("cleanup.policy", Append, "compact")).ErrorCode);
        Assert.Equal(("delete,compact", (sbyte)1), Read(broker.Port, name, "cleanup.policy"));
        Assert.Equal(0, Incremental(broker.Port, 1, Topic, name, false, ("cleanup.policy", Append, "compact")).ErrorCode);
        Assert.Equal("delete,compact", Read(broker.Port, name, "cleanup.policy").Value);
        Assert.Equal(0, Incremental(broker.Port, 0, Topic, name, false, ("cleanup.policy", Subtract, "delete")).ErrorCode);
        Assert.Equal(("compact", (sbyte)1), Read(broker.Port, name, "cleanup.policy"));

        var empty = Incremental(broker.Port, 1, Topic, name, false, ("cleanup.policy", Subtract, "compact"));
        Assert.Equal((short)KafkaError.InvalidConfig, empty.ErrorCode);
        Assert.Contains("cleanup.policy", empty.ErrorMessage, StringComparison.Ordinal);

        var notList = Incremental(broker.Port, 1, Topic, name, false, ("retention.ms", Append, "5"));
        Assert.Equal((short)KafkaError.InvalidConfig, notList.ErrorCode);
        Assert.Contains("retention.ms", notList.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Delete_reverts_to_the_default()
    {
        string name = Unique("iac-delete");
        CreateTopic(broker.Port, name, ("retention.ms", "1000"), ("max.message.bytes", "2000"));
        Assert.Equal(0, Incremental(broker.Port, 1, Topic, name, false, ("retention.ms", Delete, null)).ErrorCode);
        Assert.Equal(("604800000", (sbyte)5), Read(broker.Port, name, "retention.ms"));
        Assert.Equal(("2000", (sbyte)1), Read(broker.Port, name, "max.message.bytes"));
        Assert.Equal(604_800_000, broker.Services.GetRequiredService<TopicManager>().GetLog(name, 0)!.Config.RetentionMs);
    }

    [Fact]
    public void Errors_name_the_key_and_leave_the_topic_alone()
    {
        string name = Unique("iac-errors");
        CreateTopic(broker.Port, name, ("retention.ms", "1000"));
        var bad = Incremental(broker.Port, 1, Topic, name, false, ("segment.bytes", Set, "1048576"), ("retention.ms", Set, "forever"));
        Assert.Equal((short)KafkaError.InvalidConfig, bad.ErrorCode);
        Assert.Contains("retention.ms", bad.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("1073741824", Read(broker.Port, name, "segment.bytes").Value);

        var unknown = Alter(broker.Port, 1, Topic, name, false, ("no.such.config", "1"));
        Assert.Equal((short)KafkaError.InvalidConfig, unknown.ErrorCode);
        Assert.Contains("no.such.config", unknown.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("1000", Read(broker.Port, name, "retention.ms").Value);

        var missing = Incremental(broker.Port, 1, Topic, "no-such-" + name, false, ("retention.ms", Set, "1"));
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, missing.ErrorCode);
        var missingLegacy = Alter(broker.Port, 0, Topic, "no-such-" + name, false, ("retention.ms", "1"));
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, missingLegacy.ErrorCode);

        var duplicate = Incremental(broker.Port, 1, Topic, name, false, ("retention.ms", Set, "1"), ("retention.ms", Delete, null));
        Assert.Equal((short)KafkaError.InvalidRequest, duplicate.ErrorCode);

        var readOnly = Incremental(broker.Port, 1, Broker, broker.Options.NodeId.ToString(CultureInfo.InvariantCulture), false, ("num.partitions", Set, "3"));
        // Kafka answers a refused broker config with INVALID_REQUEST (ConfigAdminManager, KAFKA-13609).
        Assert.Equal((short)KafkaError.InvalidRequest, readOnly.ErrorCode);
        Assert.Contains("num.partitions", readOnly.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((short)KafkaError.InvalidRequest, Incremental(broker.Port, 1, Broker, "999", false, ("log.retention.ms", Set, "1")).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, Incremental(broker.Port, 1, Broker, "", true, ("log.retention.ms", Set, "x")).ErrorCode);
        var nullValue = Incremental(broker.Port, 1, Topic, name, false, ("retention.ms", Set, null));
        Assert.Equal(((short)KafkaError.InvalidRequest, "Null value not supported for : retention.ms"), (nullValue.ErrorCode, nullValue.ErrorMessage));
    }

    [Fact]
    public async Task Confluent_admin_client_alters_and_reads_back()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        string name = Unique("iac-confluent");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 1, ReplicationFactor = 1 }]);
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = name };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", Value = "86400000", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Append },
            ],
        });
        var described = (await admin.DescribeConfigsAsync([resource])).Single().Entries;
        Assert.Equal("86400000", described["retention.ms"].Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, described["retention.ms"].Source);
        Assert.Equal("delete,compact", described["cleanup.policy"].Value);

        var ex = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "message.timestamp.type", Value = "Sometime", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(Confluent.Kafka.ErrorCode.InvalidConfig, ex.Results.Single().Error.Code);
        Assert.Contains("message.timestamp.type", ex.Results.Single().Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topic_and_broker_changes_survive_a_restart_and_broker_defaults_change_effective_values()
    {
        await using var own = new GroupTestBroker(partitions: 1);
        await own.StartAsync();
        string node = own.Options.NodeId.ToString(CultureInfo.InvariantCulture);
        CreateTopic(own.Port, "kept");
        CreateTopic(own.Port, "overridden", ("retention.ms", "1000"));
        Assert.Equal(0, Incremental(own.Port, 1, Topic, "kept", false, ("cleanup.policy", Append, "compact"), ("segment.bytes", Set, "2097152")).ErrorCode);

        // A cluster-wide default changes topics without an override, at once, and reports DYNAMIC_DEFAULT_BROKER_CONFIG.
        Assert.Equal(0, Incremental(own.Port, 1, Broker, "", false, ("log.retention.ms", Set, "7200000")).ErrorCode);
        Assert.Equal(("7200000", (sbyte)3), Read(own.Port, "kept", "retention.ms"));
        Assert.Equal(("1000", (sbyte)1), Read(own.Port, "overridden", "retention.ms"));
        var topics = own.Services.GetRequiredService<TopicManager>();
        Assert.Equal(7_200_000, topics.GetLog("kept", 0)!.Config.RetentionMs);
        Assert.Equal(1000, topics.GetLog("overridden", 0)!.Config.RetentionMs);
        var clusterDefaults = Describe(own.Port, Broker, "");
        Assert.Equal(("7200000", (sbyte)3), (clusterDefaults["log.retention.ms"].Value, clusterDefaults["log.retention.ms"].ConfigSource));

        // This node's own value wins over the cluster default (DYNAMIC_BROKER_CONFIG); hours convert to ms.
        Assert.Equal(0, Alter(own.Port, 0, Broker, node, false, ("log.retention.hours", "3")).ErrorCode);
        Assert.Equal(("7200000", (sbyte)3), Read(own.Port, "kept", "retention.ms")); // log.retention.ms outranks log.retention.hours, as in Kafka
        Assert.Equal(0, Incremental(own.Port, 1, Broker, node, false, ("log.retention.ms", Set, "10800000"), ("log.segment.bytes", Set, "4194304")).ErrorCode);
        Assert.Equal(("10800000", (sbyte)2), Read(own.Port, "kept", "retention.ms"));
        Assert.Equal(("4194304", (sbyte)2), Read(own.Port, "overridden", "segment.bytes"));
        var brokerConfigs = Describe(own.Port, Broker, node);
        Assert.Equal(("10800000", (sbyte)2), (brokerConfigs["log.retention.ms"].Value, brokerConfigs["log.retention.ms"].ConfigSource));
        Assert.False(brokerConfigs["log.retention.ms"].ReadOnly);
        // Keys this broker does not act on are kept and reported, as Kafka keeps them (librdkafka 0081 sets this one).
        Assert.Equal(0, Incremental(own.Port, 1, Broker, node, false, ("sasl.kerberos.min.time.before.relogin", Set, "58000")).ErrorCode);
        var kept = Describe(own.Port, Broker, node)["sasl.kerberos.min.time.before.relogin"];
        Assert.Equal(("58000", (sbyte)2), (kept.Value, kept.ConfigSource));
        Assert.True(brokerConfigs["broker.id"].ReadOnly);

        await own.StopAsync();
        await own.StartAsync();

        Assert.Equal(("delete,compact", (sbyte)1), Read(own.Port, "kept", "cleanup.policy"));
        Assert.Equal(("2097152", (sbyte)1), Read(own.Port, "kept", "segment.bytes"));
        Assert.Equal(("10800000", (sbyte)2), Read(own.Port, "kept", "retention.ms"));
        Assert.Equal(("1000", (sbyte)1), Read(own.Port, "overridden", "retention.ms"));
        topics = own.Services.GetRequiredService<TopicManager>();
        Assert.Equal(10_800_000, topics.GetLog("kept", 0)!.Config.RetentionMs);
        Assert.Equal(2_097_152, topics.GetLog("kept", 0)!.Config.SegmentBytes);
        Assert.Equal(4_194_304, topics.GetLog("overridden", 0)!.Config.SegmentBytes);
        Assert.Equal("7200000", Describe(own.Port, Broker, "")["log.retention.ms"].Value);

        // Deleting the node's value falls back to the cluster default; deleting that to the static value.
        Assert.Equal(0, Incremental(own.Port, 1, Broker, node, false, ("log.retention.ms", Delete, null), ("log.retention.hours", Delete, null)).ErrorCode);
        Assert.Equal(("7200000", (sbyte)3), Read(own.Port, "kept", "retention.ms"));
        Assert.Equal(0, Alter(own.Port, 2, Broker, "", false).ErrorCode);
        Assert.Equal(("604800000", (sbyte)5), Read(own.Port, "kept", "retention.ms"));
        Assert.Equal(604_800_000, topics.GetLog("kept", 0)!.Config.RetentionMs);
        Assert.Empty(Describe(own.Port, Broker, ""));
    }
}
