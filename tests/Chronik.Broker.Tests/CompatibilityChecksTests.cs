using System.Globalization;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>
/// The seed's compatibility checks (issue 6), automated over raw frames: the admin sequence across a restart, the ksqlDB
/// start-up sequence on one connection, and the negative cases (unsupported version, unknown key, malformed request).
/// </summary>
[Collection("broker")]
public class CompatibilityChecksTests(BrokerFixture broker)
{
    private const sbyte Topic = 2, Broker = 4, Group = 32;

    private static T Call<T>(int port, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private static Dictionary<string, DescribeConfigsResponse.DescribeConfigsResourceResult> DescribeConfigs(int port, short version, sbyte type, string name)
    {
        var r = Call<DescribeConfigsResponse>(port, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = type, ResourceName = name, ConfigurationKeys = null }],
            IncludeSynonyms = version >= 1,
        }, version);
        var result = Assert.Single(r.Results);
        Assert.Equal((0, (string?)null), (result.ErrorCode, result.ErrorMessage));
        return result.Configs.ToDictionary(c => c.Name);
    }

    private static void AssertConfig(int port, sbyte type, string name, string key, string value, sbyte source)
    {
        var v0 = DescribeConfigs(port, 0, type, name)[key];
        Assert.Equal((value, source == 5), (v0.Value, v0.IsDefault));
        var v2 = DescribeConfigs(port, 2, type, name)[key];
        Assert.Equal((value, source), (v2.Value, v2.ConfigSource));
    }

    [Fact]
    public async Task Admin_sequence_changes_configs_that_read_back_changed_after_a_restart()
    {
        await using var own = new GroupTestBroker(partitions: 1);
        await own.StartAsync();
        string node = own.Options.NodeId.ToString(CultureInfo.InvariantCulture);

        // DescribeCluster v0 and v1 name this broker as the controller with its advertised address.
        var c0 = Call<DescribeClusterResponse>(own.Port, new DescribeClusterRequest(), 0);
        var c1 = Call<DescribeClusterResponse>(own.Port, new DescribeClusterRequest { EndpointType = 1 }, 1);
        foreach (var c in new[] { c0, c1 })
        {
            Assert.Equal(0, c.ErrorCode);
            Assert.Equal(own.Options.NodeId, c.ControllerId);
            Assert.Equal(("127.0.0.1", own.Port), (c.Brokers[0].Host, c.Brokers[0].Port));
        }
        Assert.Equal(c0.ClusterId, c1.ClusterId);

        var created = Call<CreateTopicsResponse>(own.Port, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = "ksql-commands", NumPartitions = 1, ReplicationFactor = 1 }],
        }, 5);
        Assert.Equal(0, created.Topics[0].ErrorCode);

        // DescribeConfigs v0 and v2: defaults before any change.
        AssertConfig(own.Port, Topic, "ksql-commands", "retention.ms", "604800000", 5);
        Assert.Equal(node, DescribeConfigs(own.Port, 0, Broker, node)["node.id"].Value);
        Assert.Equal(node, DescribeConfigs(own.Port, 2, Broker, node)["broker.id"].Value);

        // AlterConfigs (as ksqlDB re-applies its command topic's retention) and IncrementalAlterConfigs really change values.
        var alter = Call<AlterConfigsResponse>(own.Port, new AlterConfigsRequest
        {
            Resources =
            [
                new AlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = Topic,
                    ResourceName = "ksql-commands",
                    Configs = [new AlterConfigsRequest.AlterableConfig { Name = "retention.ms", Value = "-1" }],
                },
            ],
        }, 0);
        Assert.Equal(0, Assert.Single(alter.Responses).ErrorCode);
        var incremental = Call<IncrementalAlterConfigsResponse>(own.Port, new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = Topic,
                    ResourceName = "ksql-commands",
                    Configs =
                    [
                        new IncrementalAlterConfigsRequest.AlterableConfig { Name = "cleanup.policy", ConfigOperation = 0, Value = "compact" },
                        new IncrementalAlterConfigsRequest.AlterableConfig { Name = "retention.ms", ConfigOperation = 0, Value = "-1" },
                    ],
                },
                new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = Broker,
                    ResourceName = node,
                    Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = "log.retention.bytes", ConfigOperation = 0, Value = "1073741824" }],
                },
                new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = Group,
                    ResourceName = "ksql-group",
                    Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = "consumer.heartbeat.interval.ms", ConfigOperation = 0, Value = "6000" }],
                },
            ],
        }, 1);
        Assert.All(incremental.Responses, r => Assert.Equal((0, (string?)null), (r.ErrorCode, r.ErrorMessage)));
        AssertConfig(own.Port, Topic, "ksql-commands", "retention.ms", "-1", 1);

        await own.StopAsync();
        await own.StartAsync();

        AssertConfig(own.Port, Topic, "ksql-commands", "retention.ms", "-1", 1);
        AssertConfig(own.Port, Topic, "ksql-commands", "cleanup.policy", "compact", 1);
        AssertConfig(own.Port, Topic, "ksql-commands", "retention.bytes", "1073741824", 2);
        var brokerBytes = DescribeConfigs(own.Port, 2, Broker, node)["log.retention.bytes"];
        Assert.Equal(("1073741824", (sbyte)2), (brokerBytes.Value, brokerBytes.ConfigSource));
        var heartbeat = DescribeConfigs(own.Port, 2, Group, "ksql-group")["consumer.heartbeat.interval.ms"];
        Assert.Equal(("6000", (sbyte)8), (heartbeat.Value, heartbeat.ConfigSource));
    }

    [Fact]
    public void KsqlDb_startup_sequence_on_one_connection_matches_every_correlation_id()
    {
        using var c = new RawClient(broker.Port);
        // ksqlDB's admin client: ApiVersions v0, Metadata v0, ApiVersions v0 again, then Metadata v0, v1 and v5.
        var api1 = c.Receive<ApiVersionsResponse>(c.Send(new ApiVersionsRequest(), 0), 0, 0);
        Assert.Equal(0, api1.ErrorCode);
        Assert.Contains(api1.ApiKeys, k => k.ApiKey == 3 && k.MinVersion == 0);
        var m0 = c.Receive<MetadataResponse>(c.Send(new MetadataRequest { Topics = [] }, 0), 0, 0);
        Assert.Equal(("127.0.0.1", broker.Port), (m0.Brokers[0].Host, m0.Brokers[0].Port));
        var api2 = c.Receive<ApiVersionsResponse>(c.Send(new ApiVersionsRequest(), 0), 0, 0);
        Assert.Equal(api1.ApiKeys.Count, api2.ApiKeys.Count);

        // The last three pipelined: answers come back in request order, each with its own correlation id.
        int a = c.Send(new MetadataRequest { Topics = [] }, 0);
        int b = c.Send(new MetadataRequest { Topics = null }, 1);
        int d = c.Send(new MetadataRequest { Topics = null, AllowAutoTopicCreation = false }, 5);
        Assert.Equal([a + 1, a + 2], new[] { b, d });
        var v0 = c.Receive<MetadataResponse>(a, 0, 0);
        var v1 = c.Receive<MetadataResponse>(b, 1, 0);
        var v5 = c.Receive<MetadataResponse>(d, 5, 0);
        Assert.Equal(broker.Options.NodeId, v1.ControllerId);
        Assert.Equal(broker.Options.NodeId, v5.ControllerId);
        Assert.False(string.IsNullOrEmpty(v5.ClusterId));
        Assert.Equal(v0.Topics.Select(t => t.Name).Order(), v1.Topics.Select(t => t.Name).Order());
    }

    [Fact]
    public void ApiVersions_newer_than_known_answers_v0_with_unsupported_version()
    {
        using var c = new RawClient(broker.Port);
        // Header v2 with a version we do not know; the body is whatever a future client sends.
        var header = new RequestHeader { RequestApiKey = 18, RequestApiVersion = 99, CorrelationId = 5, ClientId = "future" };
        c.SendRaw([.. header.ToBytes(2), 0x00, 0x00, 0x00]);
        var r = c.Receive<ApiVersionsResponse>(5, 0, 0);
        Assert.Equal((short)KafkaError.UnsupportedVersion, r.ErrorCode);
        Assert.Contains(r.ApiKeys, k => k.ApiKey == 18);
        // The client retries with a version both know, on the same connection.
        Assert.Equal(0, c.Receive<ApiVersionsResponse>(c.Send(new ApiVersionsRequest { ClientSoftwareName = "future", ClientSoftwareVersion = "1.0" }, 3), 3, 0).ErrorCode);
    }

    [Fact]
    public void Unsupported_version_of_another_api_closes_only_that_connection()
    {
        using (var bad = new RawClient(broker.Port))
        {
            var header = new RequestHeader { RequestApiKey = 3, RequestApiVersion = 99, CorrelationId = 1, ClientId = "x" };
            bad.SendRaw([.. header.ToBytes(2), 0x00]);
            Assert.Null(bad.ReadFrame());
        }
        AssertStillServing();
    }

    [Fact]
    public void Unknown_api_key_closes_the_connection_and_others_keep_working()
    {
        using (var bad = new RawClient(broker.Port))
        {
            var header = new RequestHeader { RequestApiKey = 999, RequestApiVersion = 0, CorrelationId = 1, ClientId = "x" };
            bad.SendRaw(header.ToBytes(1));
            Assert.Null(bad.ReadFrame());
        }
        AssertStillServing();
    }

    [Fact]
    public void Malformed_request_closes_the_connection_and_others_keep_working()
    {
        using var other = new RawClient(broker.Port);
        using (var bad = new RawClient(broker.Port))
        {
            // Metadata v1 claiming one topic whose name length runs past the frame.
            var header = new RequestHeader { RequestApiKey = 3, RequestApiVersion = 1, CorrelationId = 1, ClientId = "x" };
            bad.SendRaw([.. header.ToBytes(1), 0, 0, 0, 1, 0x7f, 0xff, (byte)'a']);
            Assert.Null(bad.ReadFrame());
        }
        // A connection opened before the bad one keeps working, and so do new ones.
        Assert.Equal(0, other.Receive<ApiVersionsResponse>(other.Send(new ApiVersionsRequest(), 0), 0, 0).ErrorCode);
        AssertStillServing();
    }

    private void AssertStillServing()
    {
        using var good = new RawClient(broker.Port);
        Assert.Equal(0, good.Receive<ApiVersionsResponse>(good.Send(new ApiVersionsRequest(), 0), 0, 0).ErrorCode);
        Assert.NotEmpty(good.Receive<MetadataResponse>(good.Send(new MetadataRequest { Topics = null }, 1), 1, 0).Brokers);
    }
}
