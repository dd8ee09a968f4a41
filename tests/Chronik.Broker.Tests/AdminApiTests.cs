using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;
using ErrorCode = Confluent.Kafka.ErrorCode;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>Admin APIs (create/delete topics, partitions, configs, records, cluster, epochs, log dirs) over raw frames and Confluent's AdminClient.</summary>
[Collection("broker")]
public class AdminApiTests(BrokerFixture broker)
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private T Call<T>(IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(broker.Port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();

    private static CreateTopicsRequest.CreatableTopic Topic(string name, int partitions = -1, short rf = -1, params (string Key, string? Value)[] configs)
    {
        var t = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = partitions, ReplicationFactor = rf };
        foreach (var (k, v) in configs) t.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = k, Value = v });
        return t;
    }

    private void Produce(string topic, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, Acks = Acks.All }).Build();
        for (int i = 0; i < count; i++) producer.Produce(new TopicPartition(topic, 0), new Message<string, string> { Key = "k" + i, Value = "v" + i });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    private int PartitionCount(string topic)
    {
        var r = Call<MetadataResponse>(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = false }, 9);
        var t = Assert.Single(r.Topics);
        return t.ErrorCode == 0 ? t.Partitions.Count : -t.ErrorCode;
    }

    // ---- CreateTopics ----

    [Fact]
    public async Task AdminClient_creates_topics_and_reports_each_error()
    {
        using var admin = Admin();
        string name = Unique("adm-create");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 3, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "3600000" } }]);
        Assert.Equal(3, PartitionCount(name));

        var exists = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, exists.Results.Single().Error.Code);

        var invalid = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = "bad name!", NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicException, invalid.Results.Single().Error.Code);

        var rf = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = Unique("adm-rf"), NumPartitions = 1, ReplicationFactor = 3 }]));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, rf.Results.Single().Error.Code);

        string validateOnly = Unique("adm-validate");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = validateOnly, NumPartitions = 2, ReplicationFactor = 1 }], new CreateTopicsOptions { ValidateOnly = true });
        Assert.Equal(-(short)KafkaError.UnknownTopicOrPartition, PartitionCount(validateOnly));
    }

    [Fact]
    public void CreateTopics_v7_returns_defaults_configs_and_topic_id()
    {
        string name = Unique("raw-create");
        var r = Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, configs: ("cleanup.policy", "compact"))] }, 7);
        var t = Assert.Single(r.Topics);
        Assert.Equal(0, t.ErrorCode);
        Assert.Null(t.ErrorMessage);
        Assert.Equal(broker.Options.NumPartitions, t.NumPartitions);
        Assert.Equal(1, t.ReplicationFactor);
        Assert.NotEqual(Guid.Empty, t.TopicId);
        var configs = t.Configs!.ToDictionary(c => c.Name);
        Assert.Equal("compact", configs["cleanup.policy"].Value);
        Assert.Equal(1, configs["cleanup.policy"].ConfigSource);
        Assert.Equal("604800000", configs["retention.ms"].Value);
        Assert.Equal(5, configs["retention.ms"].ConfigSource);
        Assert.Equal("producer", configs["compression.type"].Value);
        Assert.Equal("1", configs["min.insync.replicas"].Value);
    }

    [Fact]
    public void CreateTopics_rejects_duplicates_bad_configs_and_foreign_assignments()
    {
        string dup = Unique("raw-dup"), badConfig = Unique("raw-badcfg"), manual = Unique("raw-manual"), foreign = Unique("raw-foreign"), mixed = Unique("raw-mixed");
        var manualTopic = Topic(manual);
        manualTopic.Assignments.Add(new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = 1, BrokerIds = [broker.Options.NodeId] });
        manualTopic.Assignments.Add(new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = 0, BrokerIds = [broker.Options.NodeId] });
        var foreignTopic = Topic(foreign);
        foreignTopic.Assignments.Add(new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = 0, BrokerIds = [99] });
        var mixedTopic = Topic(mixed, partitions: 2);
        mixedTopic.Assignments.Add(new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = 0, BrokerIds = [broker.Options.NodeId] });

        var r = Call<CreateTopicsResponse>(new CreateTopicsRequest
        {
            Topics = [Topic(dup), Topic(dup, 2), Topic(badConfig, configs: ("retention.ms", "soon")), Topic(Unique("raw-unknowncfg"), configs: ("no.such.config", "1")), manualTopic, foreignTopic, mixedTopic],
        }, 5);
        var byName = r.Topics.ToDictionary(t => t.Name);
        Assert.Equal(6, r.Topics.Count);
        Assert.Equal((short)KafkaError.InvalidRequest, byName[dup].ErrorCode);
        Assert.Equal((short)KafkaError.InvalidConfig, byName[badConfig].ErrorCode);
        Assert.Contains("retention.ms", byName[badConfig].ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(-1, byName[badConfig].NumPartitions);
        Assert.Single(r.Topics, t => t.Name.StartsWith("raw-unknowncfg", StringComparison.Ordinal) && t.ErrorCode == (short)KafkaError.InvalidConfig);
        Assert.Equal(0, byName[manual].ErrorCode);
        Assert.Equal(2, byName[manual].NumPartitions);
        Assert.Equal((short)KafkaError.InvalidReplicaAssignment, byName[foreign].ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, byName[mixed].ErrorCode);
        Assert.Equal(-(short)KafkaError.UnknownTopicOrPartition, PartitionCount(dup));
        Assert.Equal(2, PartitionCount(manual));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void CreateTopics_old_versions_round_trip(short version)
    {
        string name = Unique("raw-old");
        var r = Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, 2, 1)], ValidateOnly = false }, version);
        Assert.Equal(0, Assert.Single(r.Topics).ErrorCode);
        Assert.Equal(2, PartitionCount(name));
        var again = Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, 2, 1)] }, version);
        Assert.Equal((short)KafkaError.TopicAlreadyExists, Assert.Single(again.Topics).ErrorCode);
    }

    // ---- CreatePartitions ----

    [Fact]
    public async Task AdminClient_grows_partitions_and_refuses_shrinking()
    {
        using var admin = Admin();
        string name = Unique("adm-parts");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 1, ReplicationFactor = 1 }]);
        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = name, IncreaseTo = 3 }]);
        Assert.Equal(3, PartitionCount(name));
        var shrink = await Assert.ThrowsAsync<CreatePartitionsException>(() => admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = name, IncreaseTo = 2 }]));
        Assert.Equal(ErrorCode.InvalidPartitions, shrink.Results.Single().Error.Code);
    }

    [Fact]
    public void CreatePartitions_validate_only_assignments_and_unknown_topics()
    {
        string name = Unique("raw-parts");
        Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, 1)] }, 7);
        var r = Call<CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics =
            [
                new CreatePartitionsRequest.CreatePartitionsTopic { Name = name, Count = 4, Assignments = null },
                new CreatePartitionsRequest.CreatePartitionsTopic { Name = "raw-parts-missing", Count = 2, Assignments = null },
            ],
            ValidateOnly = true,
        }, 3);
        Assert.Equal(0, r.Results.Single(t => t.Name == name).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Results.Single(t => t.Name != name).ErrorCode);
        Assert.Equal(1, PartitionCount(name));

        var foreign = Call<CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = name, Count = 2, Assignments = [new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [42] }] }],
        }, 1);
        Assert.Equal((short)KafkaError.InvalidReplicaAssignment, Assert.Single(foreign.Results).ErrorCode);

        var ok = Call<CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = name, Count = 2, Assignments = [new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [broker.Options.NodeId] }] }],
        }, 0);
        Assert.Equal(0, Assert.Single(ok.Results).ErrorCode);
        Assert.Null(ok.Results[0].ErrorMessage);
        Assert.Equal(2, PartitionCount(name));
    }

    // ---- DescribeConfigs ----

    [Fact]
    public async Task AdminClient_describes_topic_and_broker_configs()
    {
        using var admin = Admin();
        string name = Unique("adm-configs");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "3600000" } }]);
        var results = await admin.DescribeConfigsAsync(
        [
            new ConfigResource { Type = ResourceType.Topic, Name = name },
            new ConfigResource { Type = ResourceType.Broker, Name = broker.Options.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ]);
        var topic = results.Single(r => r.ConfigResource.Type == ResourceType.Topic).Entries;
        Assert.Equal("3600000", topic["retention.ms"].Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, topic["retention.ms"].Source);
        Assert.Equal("delete", topic["cleanup.policy"].Value);
        Assert.Equal(ConfigSource.DefaultConfig, topic["cleanup.policy"].Source);
        Assert.Equal("1073741824", topic["segment.bytes"].Value);
        Assert.Equal("1048588", topic["max.message.bytes"].Value);
        Assert.Equal("CreateTime", topic["message.timestamp.type"].Value);
        Assert.Equal("-1", topic["retention.bytes"].Value);

        var brokerConfigs = results.Single(r => r.ConfigResource.Type == ResourceType.Broker).Entries;
        Assert.Equal("1", brokerConfigs["default.replication.factor"].Value);
        Assert.Equal("1", brokerConfigs["num.partitions"].Value);
        Assert.Equal("true", brokerConfigs["auto.create.topics.enable"].Value);
        Assert.Contains("log.dirs", brokerConfigs.Keys);
    }

    [Fact]
    public void DescribeConfigs_v3_filters_keys_with_synonyms_types_and_documentation()
    {
        string name = Unique("raw-configs");
        Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, 1, 1, ("retention.ms", "1000"))] }, 7);
        var r = Call<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 2, ResourceName = name, ConfigurationKeys = ["retention.ms", "segment.bytes"] }],
            IncludeSynonyms = true,
            IncludeDocumentation = true,
        }, 3);
        var result = Assert.Single(r.Results);
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(2, result.Configs.Count);
        var retention = result.Configs.Single(c => c.Name == "retention.ms");
        Assert.Equal("1000", retention.Value);
        Assert.Equal(1, retention.ConfigSource);
        Assert.Equal(5, retention.ConfigType); // LONG
        Assert.False(string.IsNullOrEmpty(retention.Documentation));
        Assert.Equal(("retention.ms", "1000", (sbyte)1), (retention.Synonyms[0].Name, retention.Synonyms[0].Value, retention.Synonyms[0].Source));
        Assert.Contains(retention.Synonyms, s => s.Source == 5);
        Assert.Equal(3, result.Configs.Single(c => c.Name == "segment.bytes").ConfigType); // INT
    }

    [Fact]
    public void DescribeConfigs_v0_sets_is_default_and_resource_errors_stay_per_resource()
    {
        string name = Unique("raw-configs0");
        Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, 1, 1, ("retention.ms", "1000"))] }, 7);
        var r = Call<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources =
            [
                new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 2, ResourceName = name, ConfigurationKeys = null },
                new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 2, ResourceName = "no-such-topic-" + name, ConfigurationKeys = null },
                new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 4, ResourceName = "12345", ConfigurationKeys = null },
                new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 4, ResourceName = "", ConfigurationKeys = null },
                new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 3, ResourceName = "g", ConfigurationKeys = null },
            ],
        }, 0);
        Assert.Equal(5, r.Results.Count);
        Assert.Equal(0, r.Results[0].ErrorCode);
        Assert.False(r.Results[0].Configs.Single(c => c.Name == "retention.ms").IsDefault);
        Assert.True(r.Results[0].Configs.Single(c => c.Name == "cleanup.policy").IsDefault);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Results[1].ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, r.Results[2].ErrorCode);
        Assert.Equal(0, r.Results[3].ErrorCode);
        Assert.Empty(r.Results[3].Configs);
        Assert.Equal((short)KafkaError.InvalidRequest, r.Results[4].ErrorCode);
    }

    [Fact]
    public void DescribeConfigs_v4_broker_reports_default_replication_factor()
    {
        var r = Call<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 4, ResourceName = broker.Options.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), ConfigurationKeys = ["default.replication.factor", "log.retention.ms"] }],
            IncludeSynonyms = false,
        }, 4);
        var result = Assert.Single(r.Results);
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal("1", result.Configs.Single(c => c.Name == "default.replication.factor").Value);
        Assert.Equal("604800000", result.Configs.Single(c => c.Name == "log.retention.ms").Value);
        Assert.All(result.Configs, c => Assert.Empty(c.Synonyms));
    }

    // ---- DeleteTopics ----

    [Fact]
    public async Task AdminClient_deletes_topics_by_name()
    {
        using var admin = Admin();
        string name = Unique("adm-delete");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 2, ReplicationFactor = 1 }]);
        await admin.DeleteTopicsAsync([name]);
        Assert.Equal(-(short)KafkaError.UnknownTopicOrPartition, PartitionCount(name));
        var again = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([name]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, again.Results.Single().Error.Code);
    }

    [Fact]
    public void DeleteTopics_v6_by_id_and_name_with_errors()
    {
        string byId = Unique("raw-del-id"), byName = Unique("raw-del-name");
        var created = Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(byId, 1), Topic(byName, 1)] }, 7);
        Guid id = created.Topics.Single(t => t.Name == byId).TopicId;
        Guid unknownId = Guid.NewGuid();
        var r = Call<DeleteTopicsResponse>(new DeleteTopicsRequest
        {
            Topics =
            [
                new DeleteTopicsRequest.DeleteTopicState { Name = null, TopicId = id },
                new DeleteTopicsRequest.DeleteTopicState { Name = byName },
                new DeleteTopicsRequest.DeleteTopicState { Name = null, TopicId = unknownId },
                new DeleteTopicsRequest.DeleteTopicState { Name = "raw-del-missing" },
                new DeleteTopicsRequest.DeleteTopicState { Name = "raw-del-both", TopicId = Guid.NewGuid() },
            ],
            TimeoutMs = 5000,
        }, 6);
        Assert.Equal(5, r.Responses.Count);
        var deletedById = r.Responses.Single(x => x.TopicId == id);
        Assert.Equal(byId, deletedById.Name);
        Assert.Equal(0, deletedById.ErrorCode);
        Assert.Equal(0, r.Responses.Single(x => x.Name == byName).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicId, r.Responses.Single(x => x.TopicId == unknownId).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Responses.Single(x => x.Name == "raw-del-missing").ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, r.Responses.Single(x => x.Name == "raw-del-both").ErrorCode);
        Assert.Equal(-(short)KafkaError.UnknownTopicOrPartition, PartitionCount(byId));
        Assert.Equal(-(short)KafkaError.UnknownTopicOrPartition, PartitionCount(byName));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public void DeleteTopics_by_name_in_older_versions(short version)
    {
        string name = Unique("raw-del-old");
        Call<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [Topic(name, 1)] }, 7);
        var r = Call<DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = [name, name + "-missing"], TimeoutMs = 1000 }, version);
        Assert.Equal(0, r.Responses.Single(x => x.Name == name).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Responses.Single(x => x.Name != name).ErrorCode);
    }

    // ---- DeleteRecords ----

    [Fact]
    public async Task DeleteRecords_on_a_repartition_style_topic_deletes_the_segments_below_and_consumers_start_there()
    {
        string name = Unique("adm-repartition");
        using var admin = Admin();
        // Small segments, as a Kafka Streams repartition topic purged by DeleteRecords has many.
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = name, NumPartitions = 1, ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["segment.bytes"] = "4096", ["cleanup.policy"] = "delete" },
        }]);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, Acks = Acks.All, BatchNumMessages = 20 }).Build())
        {
            for (int i = 0; i < 600; i++)
            {
                producer.Produce(new TopicPartition(name, 0), new Message<string, string> { Key = "k" + i, Value = $"v{i}:" + new string('x', 100) });
                if (i % 20 == 19) producer.Flush(TimeSpan.FromSeconds(30));
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        string dir = Path.Combine(broker.DataDir, $"{name}-0");
        int segmentsBefore = Directory.GetFiles(dir, "*.log").Length;
        Assert.True(segmentsBefore > 5, $"{segmentsBefore} segments");

        var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset(name, 0, 500)]);
        Assert.Equal(500, deleted.Single().Offset.Value);

        // Every segment that ends at or below the new log start offset is gone from disk.
        var bases = Directory.GetFiles(dir, "*.log").Select(f => long.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.True(bases.Count < segmentsBefore);
        Assert.True(bases[0] <= 500 && (bases.Count == 1 || bases[1] > 500), string.Join(",", bases));

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap, GroupId = Unique("adm-repartition-g"), AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        Assert.Equal(500, consumer.QueryWatermarkOffsets(new TopicPartition(name, 0), TimeSpan.FromSeconds(10)).Low.Value);
        consumer.Subscribe(name);
        var first = consumer.Consume(TimeSpan.FromSeconds(20));
        Assert.NotNull(first);
        Assert.Equal(500, first.Offset.Value);
        Assert.StartsWith("v500:", first.Message.Value, StringComparison.Ordinal);
        consumer.Close();
    }

    [Fact]
    public async Task DeleteRecords_moves_the_low_watermark_and_list_offsets_follows()
    {
        string name = Unique("adm-delrec");
        Produce(name, 10);
        using var admin = Admin();
        var results = await admin.DeleteRecordsAsync([new TopicPartitionOffset(name, 0, 4)]);
        Assert.Equal(4, results.Single().Offset.Value);

        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.Bootstrap, GroupId = "unused-" + name }).Build();
        var marks = consumer.QueryWatermarkOffsets(new TopicPartition(name, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(4, marks.Low.Value);
        Assert.Equal(10, marks.High.Value);

        var raw = Call<DeleteRecordsResponse>(new DeleteRecordsRequest
        {
            Topics =
            [
                new DeleteRecordsRequest.DeleteRecordsTopic
                {
                    Name = name,
                    Partitions = [new DeleteRecordsRequest.DeleteRecordsPartition { PartitionIndex = 0, Offset = 11 }, new DeleteRecordsRequest.DeleteRecordsPartition { PartitionIndex = 5, Offset = 0 }],
                },
            ],
            TimeoutMs = 1000,
        }, 2);
        var parts = raw.Topics.Single().Partitions;
        Assert.Equal((short)KafkaError.OffsetOutOfRange, parts.Single(p => p.PartitionIndex == 0).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, parts.Single(p => p.PartitionIndex == 5).ErrorCode);

        var toEnd = Call<DeleteRecordsResponse>(new DeleteRecordsRequest
        {
            Topics = [new DeleteRecordsRequest.DeleteRecordsTopic { Name = name, Partitions = [new DeleteRecordsRequest.DeleteRecordsPartition { PartitionIndex = 0, Offset = -1 }] }],
        }, 0);
        var p0 = toEnd.Topics.Single().Partitions.Single();
        Assert.Equal(0, p0.ErrorCode);
        Assert.Equal(10, p0.LowWatermark);
    }

    // ---- DescribeCluster ----

    [Fact]
    public async Task AdminClient_describes_the_cluster()
    {
        using var admin = Admin();
        var cluster = await admin.DescribeClusterAsync();
        Assert.False(string.IsNullOrEmpty(cluster.ClusterId));
        var node = Assert.Single(cluster.Nodes);
        Assert.Equal(broker.Port, node.Port);
        Assert.Equal(broker.Options.NodeId, cluster.Controller.Id);
    }

    [Fact]
    public void DescribeCluster_v1_endpoint_types_and_authorized_operations()
    {
        var r = Call<DescribeClusterResponse>(new DescribeClusterRequest { IncludeClusterAuthorizedOperations = true, EndpointType = 1 }, 1);
        Assert.Equal(0, r.ErrorCode);
        Assert.Equal(broker.Options.NodeId, r.ControllerId);
        var b = Assert.Single(r.Brokers);
        Assert.Equal(("127.0.0.1", broker.Port), (b.Host, b.Port));
        Assert.NotEqual(int.MinValue, r.ClusterAuthorizedOperations);

        var plain = Call<DescribeClusterResponse>(new DescribeClusterRequest { IncludeClusterAuthorizedOperations = false }, 0);
        Assert.Equal(int.MinValue, plain.ClusterAuthorizedOperations);
        Assert.Equal(r.ClusterId, plain.ClusterId);

        var controllers = Call<DescribeClusterResponse>(new DescribeClusterRequest { EndpointType = 2 }, 1);
        Assert.Equal((short)KafkaError.MismatchedEndpointType, controllers.ErrorCode);
        var unknown = Call<DescribeClusterResponse>(new DescribeClusterRequest { EndpointType = 7 }, 1);
        Assert.Equal((short)KafkaError.UnsupportedEndpointType, unknown.ErrorCode);
    }

    // ---- OffsetForLeaderEpoch ----

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void OffsetForLeaderEpoch_answers_epoch_zero_with_the_log_end(short version)
    {
        string name = Unique("raw-epoch");
        Produce(name, 5);
        OffsetForLeaderEpochRequest.OffsetForLeaderPartition P(int partition, int epoch, int current = -1) =>
            new() { Partition = partition, LeaderEpoch = epoch, CurrentLeaderEpoch = version >= 2 ? current : -1 };
        var partitions = new List<OffsetForLeaderEpochRequest.OffsetForLeaderPartition> { P(0, 0), P(7, 0) };
        var r = Call<OffsetForLeaderEpochResponse>(new OffsetForLeaderEpochRequest
        {
            ReplicaId = version >= 3 ? -1 : -2,
            Topics =
            [
                new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = name, Partitions = partitions },
                new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = name + "-missing", Partitions = [P(0, 0)] },
            ],
        }, version);
        var found = r.Topics[0].Partitions.Single(p => p.Partition == 0);
        Assert.Equal(0, found.ErrorCode);
        Assert.Equal(5, found.EndOffset);
        if (version >= 1) Assert.Equal(0, found.LeaderEpoch);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Topics[0].Partitions.Single(p => p.Partition == 7).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, r.Topics[1].Partitions.Single().ErrorCode);

        var later = Call<OffsetForLeaderEpochResponse>(new OffsetForLeaderEpochRequest
        {
            Topics = [new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = name, Partitions = [P(0, 3)] }],
        }, version).Topics.Single().Partitions.Single();
        Assert.Equal(0, later.ErrorCode);
        Assert.Equal(-1, later.EndOffset);
        Assert.Equal(-1, later.LeaderEpoch);

        if (version >= 2)
        {
            var ahead = Call<OffsetForLeaderEpochResponse>(new OffsetForLeaderEpochRequest
            {
                Topics = [new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = name, Partitions = [P(0, 0, current: 1)] }],
            }, version).Topics.Single().Partitions.Single();
            Assert.Equal((short)KafkaError.UnknownLeaderEpoch, ahead.ErrorCode);
            var current = Call<OffsetForLeaderEpochResponse>(new OffsetForLeaderEpochRequest
            {
                Topics = [new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = name, Partitions = [P(0, 0, current: 0)] }],
            }, version).Topics.Single().Partitions.Single();
            Assert.Equal((0, 5L), ((int)current.ErrorCode, current.EndOffset));
        }
    }

    // ---- DescribeLogDirs ----

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void DescribeLogDirs_reports_the_data_dir_and_partition_sizes(short version)
    {
        string name = Unique("raw-logdirs");
        Produce(name, 20);
        var r = Call<DescribeLogDirsResponse>(new DescribeLogDirsRequest
        {
            Topics =
            [
                new DescribeLogDirsRequest.DescribableLogDirTopic { Topic = name, Partitions = [0, 3] },
                new DescribeLogDirsRequest.DescribableLogDirTopic { Topic = name + "-missing", Partitions = [0] },
            ],
        }, version);
        var dir = Assert.Single(r.Results);
        Assert.Equal(0, dir.ErrorCode);
        Assert.Equal(Path.GetFullPath(broker.DataDir), dir.LogDir);
        var topic = Assert.Single(dir.Topics);
        Assert.Equal(name, topic.Name);
        var p = Assert.Single(topic.Partitions);
        Assert.Equal(0, p.PartitionIndex);
        Assert.True(p.PartitionSize > 0);
        Assert.Equal(0, p.OffsetLag);
        Assert.False(p.IsFutureKey);
        if (version >= 4)
        {
            Assert.True(dir.TotalBytes > 0);
            Assert.True(dir.UsableBytes >= 0);
        }

        var all = Call<DescribeLogDirsResponse>(new DescribeLogDirsRequest { Topics = null }, version);
        Assert.Contains(all.Results.Single().Topics, t => t.Name == name);
    }
}
