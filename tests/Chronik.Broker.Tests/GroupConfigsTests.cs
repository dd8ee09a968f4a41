using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>GROUP config resources (type 32) over DescribeConfigs, IncrementalAlterConfigs and AlterConfigs, as Kafka 4.0 answers them.</summary>
[Collection("broker")]
public class GroupConfigsTests(BrokerFixture broker)
{
    private const sbyte Group = 32;
    private const sbyte Set = 0, Delete = 1, Append = 2;
    private const string Session = "consumer.session.timeout.ms", Heartbeat = "consumer.heartbeat.interval.ms";

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static T Call<T>(int port, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private static IncrementalAlterConfigsResponse.AlterConfigsResourceResponse Incremental(int port, string group, bool validateOnly, params (string Key, sbyte Op, string? Value)[] ops)
    {
        var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = Group, ResourceName = group };
        foreach (var (k, op, v) in ops) resource.Configs.Add(new IncrementalAlterConfigsRequest.AlterableConfig { Name = k, ConfigOperation = op, Value = v });
        var r = Call<IncrementalAlterConfigsResponse>(port, new IncrementalAlterConfigsRequest { Resources = [resource], ValidateOnly = validateOnly }, 1);
        return Assert.Single(r.Responses);
    }

    private static DescribeConfigsResponse.DescribeConfigsResult Describe(int port, string group, short version = 4)
    {
        var r = Call<DescribeConfigsResponse>(port, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = Group, ResourceName = group, ConfigurationKeys = null }],
            IncludeSynonyms = version >= 1,
            IncludeDocumentation = version >= 3,
        }, version);
        return Assert.Single(r.Results);
    }

    private static (string? Value, sbyte Source) Read(int port, string group, string key)
    {
        var c = Describe(port, group).Configs.Single(c => c.Name == key);
        return (c.Value, c.ConfigSource);
    }

    [Fact]
    public void Describe_of_any_group_lists_the_group_configs_with_their_defaults()
    {
        var result = Describe(broker.Port, Unique("no-such-group"));
        Assert.Equal(0, result.ErrorCode);
        var names = result.Configs.Select(c => c.Name).ToList();
        Assert.Contains(Session, names);
        Assert.Contains(Heartbeat, names);
        var session = result.Configs.Single(c => c.Name == Session);
        Assert.Equal(("45000", (sbyte)5, (sbyte)3, false), (session.Value, session.ConfigSource, session.ConfigType, session.ReadOnly));
        Assert.Equal("5000", result.Configs.Single(c => c.Name == Heartbeat).Value);
        Assert.NotNull(session.Documentation);
        // v0 reports the default flag instead of a source.
        Assert.True(Describe(broker.Port, "g0", 0).Configs.Single(c => c.Name == Session).IsDefault);
    }

    [Fact]
    public void The_broker_reports_the_bounds_of_group_configs_read_only()
    {
        var r = Call<DescribeConfigsResponse>(broker.Port, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 4, ResourceName = broker.Options.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), ConfigurationKeys = ["group.consumer.max.session.timeout.ms", "group.consumer.min.heartbeat.interval.ms"] }],
        }, 4);
        var configs = Assert.Single(r.Results).Configs.ToDictionary(c => c.Name);
        Assert.Equal(("60000", true), (configs["group.consumer.max.session.timeout.ms"].Value, configs["group.consumer.max.session.timeout.ms"].ReadOnly));
        Assert.Equal("5000", configs["group.consumer.min.heartbeat.interval.ms"].Value);
    }

    [Fact]
    public void Incremental_set_and_delete_change_what_describe_reports()
    {
        string group = Unique("gcfg");
        var r = Incremental(broker.Port, group, false, (Session, Set, "50000"), (Heartbeat, Set, "6000"));
        Assert.Equal((0, (string?)null), (r.ErrorCode, r.ErrorMessage));
        Assert.Equal(("50000", (sbyte)8), Read(broker.Port, group, Session));
        Assert.Equal(("6000", (sbyte)8), Read(broker.Port, group, Heartbeat));

        Assert.Equal(0, Incremental(broker.Port, group, false, (Session, Delete, null)).ErrorCode);
        Assert.Equal(("45000", (sbyte)5), Read(broker.Port, group, Session));
        Assert.Equal(("6000", (sbyte)8), Read(broker.Port, group, Heartbeat));

        Assert.Equal(0, Incremental(broker.Port, group, true, (Session, Set, "55000")).ErrorCode);
        Assert.Equal(("45000", (sbyte)5), Read(broker.Port, group, Session));
    }

    [Fact]
    public void Invalid_group_configs_get_kafkas_errors()
    {
        string group = Unique("gcfg-bad");
        var unknown = Incremental(broker.Port, group, false, ("session.timeout.ms", Set, "50000"));
        Assert.Equal(((short)KafkaError.InvalidConfig, "Unknown group config name: session.timeout.ms"), (unknown.ErrorCode, unknown.ErrorMessage));
        var tooLong = Incremental(broker.Port, group, false, (Session, Set, "70000"));
        Assert.Equal((short)KafkaError.InvalidConfig, tooLong.ErrorCode);
        Assert.Equal("consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms", tooLong.ErrorMessage);
        var notInt = Incremental(broker.Port, group, false, (Heartbeat, Set, "soon"));
        Assert.Equal((short)KafkaError.InvalidConfig, notInt.ErrorCode);
        Assert.Contains(Heartbeat, notInt.ErrorMessage);
        var append = Incremental(broker.Port, group, false, (Heartbeat, Append, "6000"));
        Assert.Equal((short)KafkaError.InvalidConfig, append.ErrorCode);

        var empty = Incremental(broker.Port, "", false, (Session, Set, "50000"));
        Assert.Equal(((short)KafkaError.InvalidRequest, "Default group resources are not allowed."), (empty.ErrorCode, empty.ErrorMessage));
        var describeEmpty = Describe(broker.Port, "");
        Assert.Equal(((short)KafkaError.InvalidRequest, "Group name must not be empty"), (describeEmpty.ErrorCode, describeEmpty.ErrorMessage));
        Assert.Equal(("45000", (sbyte)5), Read(broker.Port, group, Session));
    }

    [Fact]
    public void Legacy_alter_configs_replaces_the_groups_configs()
    {
        string group = Unique("gcfg-legacy");
        Assert.Equal(0, Incremental(broker.Port, group, false, (Heartbeat, Set, "6000")).ErrorCode);
        var resource = new AlterConfigsRequest.AlterConfigsResource { ResourceType = Group, ResourceName = group };
        resource.Configs.Add(new AlterConfigsRequest.AlterableConfig { Name = Session, Value = "52000" });
        var r = Call<AlterConfigsResponse>(broker.Port, new AlterConfigsRequest { Resources = [resource] }, 2);
        Assert.Equal(0, Assert.Single(r.Responses).ErrorCode);
        Assert.Equal(("52000", (sbyte)8), Read(broker.Port, group, Session));
        Assert.Equal(("5000", (sbyte)5), Read(broker.Port, group, Heartbeat));
    }

    [Fact]
    public void A_consumer_group_heartbeat_carries_the_groups_interval()
    {
        string group = Unique("gcfg-hb");
        string topic = Unique("gcfg-topic");
        var created = Call<CreateTopicsResponse>(broker.Port, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
        }, 5);
        Assert.Equal(0, created.Topics[0].ErrorCode);
        Assert.Equal(0, Incremental(broker.Port, group, false, (Heartbeat, Set, "7000")).ErrorCode);
        var hb = Call<ConsumerGroupHeartbeatResponse>(broker.Port, new ConsumerGroupHeartbeatRequest
        {
            GroupId = group,
            MemberId = Guid.NewGuid().ToString("N")[..22],
            MemberEpoch = 0,
            RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = [topic],
            TopicPartitions = [],
        }, 0);
        Assert.Equal(0, hb.ErrorCode);
        Assert.Equal(7000, hb.HeartbeatIntervalMs);
    }

    [Fact]
    public async Task Confluent_admin_client_alters_and_describes_a_group_resource()
    {
        string group = Unique("gcfg-admin");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var resource = new ConfigResource { Type = ResourceType.Group, Name = group };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = Session, Value = "48000", IncrementalOperation = AlterConfigOpType.Set }],
        });
        var described = await admin.DescribeConfigsAsync([resource]);
        var entry = described[0].Entries[Session];
        Assert.Equal("48000", entry.Value);
        Assert.Equal(ConfigSource.GroupConfig, entry.Source);
    }
}
