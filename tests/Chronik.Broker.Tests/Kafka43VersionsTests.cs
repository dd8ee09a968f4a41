using System.Globalization;
using System.Text;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>The versions Kafka 4.3's schemas added that the broker serves, over raw frames.</summary>
[Collection("broker")]
public class Kafka43VersionsTests(BrokerFixture broker)
{
    private T Call<T>(RawClient c, IKafkaMessage request, short version) where T : IKafkaMessage, new() =>
        c.Receive<T>(c.Send(request, version), version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));

    private Guid CreateTopic(RawClient c, string topic)
    {
        var r = Call<MetadataResponse>(c, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = true }, 12);
        var t = Assert.Single(r.Topics);
        Assert.Equal(0, t.ErrorCode);
        Assert.NotEqual(Guid.Empty, t.TopicId);
        return t.TopicId;
    }

    private static byte[] Batch(int records)
    {
        using var builder = new RecordBatchBuilder(CompressionType.None);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < records; i++) builder.Append(now, null, Encoding.UTF8.GetBytes("v" + i.ToString(CultureInfo.InvariantCulture)), []);
        return builder.ToArray();
    }

    private static ProduceRequest ProduceById(Guid id, byte[] records) => new()
    {
        Acks = -1,
        TimeoutMs = 10_000,
        TopicData = [new ProduceRequest.TopicProduceData { TopicId = id, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = records }] }],
    };

    [Fact]
    public void ApiVersions_advertises_the_new_versions()
    {
        using var c = new RawClient(broker.Port);
        var r = Call<ApiVersionsResponse>(c, new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, 3);
        (short Min, short Max) Range(short key) => r.ApiKeys.Where(k => k.ApiKey == key).Select(k => (k.MinVersion, k.MaxVersion)).Single();
        Assert.Equal(((short)0, (short)13), Range(0));
        Assert.Equal(((short)4, (short)18), Range(1));
        Assert.Equal(((short)0, (short)13), Range(3));
        Assert.Equal(((short)0, (short)5), Range(35));
        Assert.Equal(((short)0, (short)2), Range(60));
        Assert.Equal(((short)0, (short)1), Range(74));
        // Share and streams groups are not served.
        Assert.DoesNotContain(r.ApiKeys, k => k.ApiKey is 76 or 77 or 78 or 79 or 88 or 89 or 90 or 91 or 92);
    }

    [Fact]
    public void Produce_v13_names_the_topic_by_id_and_Fetch_v18_reads_it_back()
    {
        using var c = new RawClient(broker.Port);
        Guid id = CreateTopic(c, "k43-produce-v13");
        var produced = Call<ProduceResponse>(c, ProduceById(id, Batch(3)), 13);
        var topic = Assert.Single(produced.Responses);
        Assert.Equal(id, topic.TopicId);
        var partition = Assert.Single(topic.PartitionResponses);
        Assert.Equal(0, partition.ErrorCode);
        Assert.Equal(0, partition.BaseOffset);

        var fetch = new FetchRequest
        {
            MaxWaitMs = 100,
            MinBytes = 1,
            Topics = [new FetchRequest.FetchTopic { TopicId = id, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20, HighWatermark = 3 }] }],
        };
        var fetched = Call<FetchResponse>(c, fetch, 18);
        var fp = Assert.Single(Assert.Single(fetched.Responses).Partitions);
        Assert.Equal(0, fp.ErrorCode);
        Assert.Equal(3, fp.HighWatermark);
        Assert.True(fp.Records is { Length: > 0 });
    }

    [Fact]
    public void Produce_v13_with_an_unknown_topic_id_is_UNKNOWN_TOPIC_ID()
    {
        using var c = new RawClient(broker.Port);
        var id = Guid.NewGuid();
        var r = Call<ProduceResponse>(c, ProduceById(id, Batch(1)), 13);
        var topic = Assert.Single(r.Responses);
        Assert.Equal(id, topic.TopicId);
        var p = Assert.Single(topic.PartitionResponses);
        Assert.Equal((short)ErrorCode.UnknownTopicId, p.ErrorCode);
        Assert.Equal(-1, p.BaseOffset);
    }

    [Fact]
    public void Metadata_v13_DescribeCluster_v2_and_DescribeLogDirs_v5_answer()
    {
        using var c = new RawClient(broker.Port);
        CreateTopic(c, "k43-metadata");
        var m = Call<MetadataResponse>(c, new MetadataRequest { Topics = null }, 13);
        Assert.Equal(0, m.ErrorCode);
        Assert.Contains(m.Topics, t => t.Name == "k43-metadata");

        var dc = Call<DescribeClusterResponse>(c, new DescribeClusterRequest { IncludeFencedBrokers = true }, 2);
        Assert.Equal(0, dc.ErrorCode);
        var b = Assert.Single(dc.Brokers);
        Assert.False(b.IsFenced);
        Assert.Equal(broker.Port, b.Port);

        var dl = Call<DescribeLogDirsResponse>(c, new DescribeLogDirsRequest { Topics = null }, 5);
        var dir = Assert.Single(dl.Results);
        Assert.Equal(0, dir.ErrorCode);
        Assert.False(dir.IsCordoned);
        Assert.Contains(dir.Topics, t => t.Name == "k43-metadata");
    }

    [Fact]
    public void ListConfigResources_v0_lists_client_metrics_only_and_v1_every_type()
    {
        using var c = new RawClient(broker.Port);
        CreateTopic(c, "k43-configs");
        string group = "k43-configured-group";
        var alter = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = 32, ResourceName = group };
        alter.Configs.Add(new IncrementalAlterConfigsRequest.AlterableConfig { Name = "consumer.session.timeout.ms", ConfigOperation = 0, Value = "50000" });
        var altered = Call<IncrementalAlterConfigsResponse>(c, new IncrementalAlterConfigsRequest { Resources = [alter] }, 1);
        Assert.Equal(0, Assert.Single(altered.Responses).ErrorCode);

        var v0 = Call<ListConfigResourcesResponse>(c, new ListConfigResourcesRequest(), 0);
        Assert.Equal(0, v0.ErrorCode);
        Assert.Empty(v0.ConfigResources);

        var all = Call<ListConfigResourcesResponse>(c, new ListConfigResourcesRequest(), 1);
        Assert.Equal(0, all.ErrorCode);
        string node = broker.Options.NodeId.ToString(CultureInfo.InvariantCulture);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 32 && r.ResourceName == group);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 8 && r.ResourceName == node);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 4 && r.ResourceName == node);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 2 && r.ResourceName == "k43-configs");
        // Kafka's order of types: GROUP, CLIENT_METRICS, BROKER_LOGGER, BROKER, TOPIC.
        var order = all.ConfigResources.Select(r => r.ResourceType).Distinct().ToList();
        Assert.Equal(new sbyte[] { 32, 8, 4, 2 }, order);

        var topics = Call<ListConfigResourcesResponse>(c, new ListConfigResourcesRequest { ResourceTypes = [2] }, 1);
        Assert.All(topics.ConfigResources, r => Assert.Equal(2, r.ResourceType));
        Assert.Contains(topics.ConfigResources, r => r.ResourceName == "k43-configs");

        var metrics = Call<ListConfigResourcesResponse>(c, new ListConfigResourcesRequest { ResourceTypes = [16] }, 1);
        Assert.Equal(0, metrics.ErrorCode);
        Assert.Empty(metrics.ConfigResources);

        var unsupported = Call<ListConfigResourcesResponse>(c, new ListConfigResourcesRequest { ResourceTypes = [2, 64] }, 1);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, unsupported.ErrorCode);
        Assert.Empty(unsupported.ConfigResources);
    }
}
