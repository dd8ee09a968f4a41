using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>The remaining admin APIs answered truthfully for a one-node cluster, at each version.</summary>
[Collection("broker")]
public class AdminMoreTests(BrokerFixture broker)
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private T Call<T>(IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(broker.Port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private string CreateTopic(string prefix, int partitions)
    {
        string name = Unique(prefix);
        var r = Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }] }, 5);
        Assert.Equal(0, r.Topics[0].ErrorCode);
        return name;
    }

    [Fact]
    public void ApiVersions_advertises_the_admin_apis()
    {
        var r = Call<ApiVersionsResponse>(new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, 3);
        var keys = r.ApiKeys.ToDictionary(k => k.ApiKey, k => (k.MinVersion, k.MaxVersion));
        Assert.Equal((0, 2), keys[33]);
        Assert.Equal((0, 2), keys[34]);
        Assert.Equal((0, 2), keys[43]);
        Assert.Equal((0, 1), keys[44]);
        Assert.Equal((0, 1), keys[45]);
        Assert.Equal((0, 0), keys[46]);
        Assert.Equal((0, 2), keys[57]);
        Assert.Equal((0, 0), keys[75]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void ElectLeaders_is_never_needed(short version)
    {
        string name = CreateTopic("elect", 2);
        var r = Call<ElectLeadersResponse>(new ElectLeadersRequest
        {
            ElectionType = 0,
            TopicPartitions =
            [
                new ElectLeadersRequest.TopicPartitionsData { Topic = name, Partitions = [0, 1, 7] },
                new ElectLeadersRequest.TopicPartitionsData { Topic = "no-such-" + name, Partitions = [0] },
            ],
        }, version);
        Assert.Equal(0, r.ErrorCode);
        var known = r.ReplicaElectionResults.Single(t => t.Topic == name).PartitionResult.ToDictionary(p => p.PartitionId, p => p.ErrorCode);
        Assert.Equal((short)KafkaError.ElectionNotNeeded, known[0]);
        Assert.Equal((short)KafkaError.ElectionNotNeeded, known[1]);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, known[7]);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.ReplicaElectionResults.Single(t => t.Topic != name).PartitionResult.Single().ErrorCode);

        var all = Call<ElectLeadersResponse>(new ElectLeadersRequest { TopicPartitions = null }, version);
        Assert.Equal(0, all.ErrorCode);
        Assert.Empty(all.ReplicaElectionResults);
    }

    [Fact]
    public void ElectLeaders_rejects_an_unknown_election_type()
    {
        string name = CreateTopic("elect-type", 1);
        var r = Call<ElectLeadersResponse>(new ElectLeadersRequest { ElectionType = 5, TopicPartitions = [new ElectLeadersRequest.TopicPartitionsData { Topic = name, Partitions = [0] }] }, 2);
        Assert.Equal((short)KafkaError.InvalidRequest, r.ErrorCode);
    }

    [Fact]
    public async Task Confluent_ElectLeaders_reports_election_not_needed()
    {
        string name = CreateTopic("elect-cf", 1);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var ex = await Assert.ThrowsAsync<ElectLeadersException>(() => admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition(name, 0)]));
        Assert.Equal(Confluent.Kafka.ErrorCode.ElectionNotNeeded, ex.Results.TopicPartitions.Single().Error.Code);
    }

    [Fact]
    public void AlterPartitionReassignments_v0()
    {
        string name = CreateTopic("reassign", 1);
        int node = broker.Options.NodeId;
        var r = Call<AlterPartitionReassignmentsResponse>(new AlterPartitionReassignmentsRequest
        {
            Topics =
            [
                new AlterPartitionReassignmentsRequest.ReassignableTopic
                {
                    Name = name,
                    Partitions =
                    [
                        new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = 0, Replicas = [node] },
                        new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = 3, Replicas = [node] },
                    ],
                },
                new AlterPartitionReassignmentsRequest.ReassignableTopic { Name = name, Partitions = [new() { PartitionIndex = 0, Replicas = null }] },
                new AlterPartitionReassignmentsRequest.ReassignableTopic { Name = name, Partitions = [new() { PartitionIndex = 0, Replicas = [node, node + 1] }] },
                new AlterPartitionReassignmentsRequest.ReassignableTopic { Name = name, Partitions = [new() { PartitionIndex = 0, Replicas = [] }] },
            ],
        }, 0);
        Assert.Equal(0, r.ErrorCode);
        Assert.Null(r.ErrorMessage);
        Assert.Equal(0, r.Responses[0].Partitions[0].ErrorCode);
        Assert.Null(r.Responses[0].Partitions[0].ErrorMessage);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Responses[0].Partitions[1].ErrorCode);
        Assert.Equal((short)KafkaError.NoReassignmentInProgress, r.Responses[1].Partitions[0].ErrorCode);
        Assert.Equal((short)KafkaError.InvalidReplicaAssignment, r.Responses[2].Partitions[0].ErrorCode);
        Assert.Equal((short)KafkaError.InvalidReplicaAssignment, r.Responses[3].Partitions[0].ErrorCode);
    }

    [Fact]
    public void ListPartitionReassignments_v0_lists_none()
    {
        string name = CreateTopic("list-reassign", 1);
        var all = Call<ListPartitionReassignmentsResponse>(new ListPartitionReassignmentsRequest { Topics = null }, 0);
        Assert.Equal(0, all.ErrorCode);
        Assert.Empty(all.Topics);
        var named = Call<ListPartitionReassignmentsResponse>(new ListPartitionReassignmentsRequest { Topics = [new() { Name = name, PartitionIndexes = [0] }] }, 0);
        Assert.Empty(named.Topics);
    }

    [Fact]
    public void DescribeTopicPartitions_v0_pages_with_a_cursor()
    {
        string a = CreateTopic("dtp-a", 3), b = CreateTopic("dtp-b", 2);
        string missing = "dtp-missing-" + Guid.NewGuid().ToString("N")[..6];
        var request = new DescribeTopicPartitionsRequest { Topics = [new() { Name = b }, new() { Name = a }, new() { Name = missing }], ResponsePartitionLimit = 2 };
        var seen = new List<(string Topic, int Partition)>();
        var errors = new Dictionary<string, short>();
        for (int page = 0; page < 10; page++)
        {
            var r = Call<DescribeTopicPartitionsResponse>(request, 0);
            Assert.True(r.Topics.Sum(t => t.Partitions.Count) <= 2);
            foreach (var t in r.Topics)
            {
                if (t.ErrorCode != 0) { errors[t.Name!] = t.ErrorCode; continue; }
                foreach (var p in t.Partitions)
                {
                    Assert.Equal(broker.Options.NodeId, p.LeaderId);
                    Assert.Equal([broker.Options.NodeId], p.ReplicaNodes);
                    Assert.Equal([broker.Options.NodeId], p.IsrNodes);
                    Assert.Equal(0, p.LeaderEpoch);
                    seen.Add((t.Name!, p.PartitionIndex));
                }
                Assert.NotEqual(Guid.Empty, t.TopicId);
            }
            if (r.NextCursor is null) break;
            request.Cursor = new DescribeTopicPartitionsRequest.CursorData { TopicName = r.NextCursor.TopicName, PartitionIndex = r.NextCursor.PartitionIndex };
        }
        var expected = new[] { (a, 0), (a, 1), (a, 2), (b, 0), (b, 1) }.OrderBy(x => x.Item1, StringComparer.Ordinal).ThenBy(x => x.Item2);
        Assert.Equal(expected, seen);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, errors[missing]);

        var badCursor = Call<DescribeTopicPartitionsResponse>(new DescribeTopicPartitionsRequest { Topics = [new() { Name = a }], Cursor = new() { TopicName = b } }, 0);
        Assert.Equal((short)KafkaError.InvalidRequest, Assert.Single(badCursor.Topics).ErrorCode);

        var everything = Call<DescribeTopicPartitionsResponse>(new DescribeTopicPartitionsRequest(), 0);
        Assert.Contains(everything.Topics, t => t.Name == a && t.Partitions.Count == 3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void UpdateFeatures_rejects_features_this_broker_does_not_support(short version)
    {
        var r = Call<UpdateFeaturesResponse>(new UpdateFeaturesRequest
        {
            FeatureUpdates = [new UpdateFeaturesRequest.FeatureUpdateKey { Feature = "transaction.version", MaxVersionLevel = 3 }],
        }, version);
        Assert.Equal((short)KafkaError.InvalidUpdateVersion, r.ErrorCode);
        Assert.Contains("transaction.version", r.ErrorMessage, StringComparison.Ordinal);
        if (version <= 1) Assert.Equal((short)KafkaError.InvalidUpdateVersion, Assert.Single(r.Results).ErrorCode);
        else Assert.Empty(r.Results);

        // Kafka 4.0 refuses even a deletion of a feature it does not know (the shared broker's own features stay as
        // they are; FeaturesTests changes them on a broker of its own).
        var delete = Call<UpdateFeaturesResponse>(new UpdateFeaturesRequest
        {
            FeatureUpdates = [new UpdateFeaturesRequest.FeatureUpdateKey { Feature = "no.such.version", MaxVersionLevel = 0, AllowDowngrade = version == 0, UpgradeType = (sbyte)(version == 0 ? 1 : 2) }],
        }, version);
        Assert.Equal((short)KafkaError.InvalidUpdateVersion, delete.ErrorCode);
        Assert.EndsWith("Feature no.such.version not found.", delete.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void AlterReplicaLogDirs_accepts_only_the_data_dir(short version)
    {
        string name = CreateTopic("logdirs", 1);
        var r = Call<AlterReplicaLogDirsResponse>(new AlterReplicaLogDirsRequest
        {
            Dirs =
            [
                new() { Path = Path.GetFullPath(broker.DataDir), Topics = [new() { Name = name, Partitions = [0, 5] }] },
                new() { Path = "/elsewhere/kafka-logs", Topics = [new() { Name = name, Partitions = [0] }] },
            ],
        }, version);
        Assert.Equal(2, r.Results.Count);
        Assert.Equal(0, r.Results[0].Partitions[0].ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Results[0].Partitions[1].ErrorCode);
        Assert.Equal((short)KafkaError.LogDirNotFound, r.Results[1].Partitions[0].ErrorCode);
    }
}
