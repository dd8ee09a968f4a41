using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>ACL APIs and the authorizer, driven by Confluent.Kafka against an in-process broker.</summary>
public class AclBrokerTests
{
    private const string Anonymous = "User:ANONYMOUS";

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<GroupTestBroker> Start(bool authorizer, bool allowEveryone = true, string superUsers = "")
    {
        var broker = new GroupTestBroker(partitions: 1);
        if (authorizer) broker.Options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        broker.Options.AllowEveryoneIfNoAclFound = allowEveryone;
        broker.Options.SuperUsers = superUsers;
        await broker.StartAsync();
        return broker;
    }

    private static IAdminClient Admin(GroupTestBroker b) => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = b.Bootstrap }).Build();

    private static AclBinding Binding(ResourceType type, string name, ResourcePatternType pattern, string principal, AclOperation op, AclPermissionType permission) => new()
    {
        Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = pattern },
        Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = op, PermissionType = permission },
    };

    private static AclBindingFilter Filter(ResourceType type, string? name, ResourcePatternType pattern, string? principal = null, AclOperation op = AclOperation.Any) => new()
    {
        PatternFilter = new ResourcePatternFilter { Type = type, Name = name, ResourcePatternType = pattern },
        EntryFilter = new AccessControlEntryFilter { Principal = principal, Host = null, Operation = op, PermissionType = AclPermissionType.Any },
    };

    [Fact]
    public async Task Without_an_authorizer_the_acl_apis_answer_security_disabled()
    {
        await using var broker = await Start(authorizer: false);
        using var admin = Admin(broker);
        var create = await Assert.ThrowsAsync<CreateAclsException>(() => admin.CreateAclsAsync(
            [Binding(ResourceType.Topic, "t", ResourcePatternType.Literal, "User:a", AclOperation.Read, AclPermissionType.Allow)]));
        Assert.Equal(ErrorCode.SecurityDisabled, create.Results[0].Error.Code);
        // librdkafka ignores DescribeAcls' top-level error, so check the frame itself.
        using (var raw = new RawClient(broker.Port))
        {
            var request = new Chronik.Protocol.Messages.DescribeAclsRequest { ResourceTypeFilter = 1, PatternTypeFilter = 1, Operation = 1, PermissionType = 1, ResourceNameFilter = null, PrincipalFilter = null, HostFilter = null };
            int corr = raw.Send(request, 3);
            var response = raw.Receive<Chronik.Protocol.Messages.DescribeAclsResponse>(corr, 3, Chronik.Protocol.Messages.ApiKeys.ResponseHeaderVersion(request.ApiKey, 3));
            Assert.Equal((short)ErrorCode.SecurityDisabled, response.ErrorCode);
            Assert.Equal("No Authorizer is configured on the broker", response.ErrorMessage);
        }
        var delete = await Assert.ThrowsAsync<DeleteAclsException>(() => admin.DeleteAclsAsync([Filter(ResourceType.Any, null, ResourcePatternType.Any)]));
        Assert.Equal(ErrorCode.SecurityDisabled, delete.Results[0].Error.Code);
    }

    [Fact]
    public async Task Create_describe_delete_round_trip_and_persistence_across_restart()
    {
        await using var broker = await Start(authorizer: true);
        using (var admin = Admin(broker))
        {
            await admin.CreateAclsAsync([
                Binding(ResourceType.Topic, "orders", ResourcePatternType.Prefixed, "User:alice", AclOperation.Read, AclPermissionType.Allow),
                Binding(ResourceType.Topic, "orders-eu", ResourcePatternType.Literal, "User:bob", AclOperation.Write, AclPermissionType.Allow),
                Binding(ResourceType.Group, "g", ResourcePatternType.Literal, "User:alice", AclOperation.Read, AclPermissionType.Deny),
            ]);
            var bad = await Assert.ThrowsAsync<CreateAclsException>(() => admin.CreateAclsAsync(
                [Binding(ResourceType.Broker, "not-the-cluster", ResourcePatternType.Literal, "User:a", AclOperation.Alter, AclPermissionType.Allow)]));
            Assert.Equal(ErrorCode.InvalidRequest, bad.Results[0].Error.Code);

            var match = await admin.DescribeAclsAsync(Filter(ResourceType.Topic, "orders-eu", ResourcePatternType.Match));
            Assert.Equal(2, match.AclBindings.Count);
            var literal = await admin.DescribeAclsAsync(Filter(ResourceType.Topic, "orders-eu", ResourcePatternType.Literal));
            Assert.Equal("User:bob", Assert.Single(literal.AclBindings).Entry.Principal);
        }

        await broker.StopAsync();
        await broker.StartAsync();
        using (var admin = Admin(broker))
        {
            var all = await admin.DescribeAclsAsync(Filter(ResourceType.Any, null, ResourcePatternType.Any));
            Assert.Equal(3, all.AclBindings.Count);
            var deleted = await admin.DeleteAclsAsync([Filter(ResourceType.Any, null, ResourcePatternType.Any, principal: "User:alice")]);
            Assert.Equal(2, deleted[0].AclBindings.Count);
            var left = await admin.DescribeAclsAsync(Filter(ResourceType.Any, null, ResourcePatternType.Any));
            Assert.Equal("orders-eu", Assert.Single(left.AclBindings).Pattern.Name);
        }
    }

    [Fact]
    public async Task Cluster_and_topic_checks_of_the_admin_apis_without_a_data_path()
    {
        await using var broker = await Start(authorizer: true);
        string topic = Unique("acl-admin");
        using (var admin = Admin(broker))
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
            await admin.CreateAclsAsync([
                Binding(ResourceType.Broker, "kafka-cluster", ResourcePatternType.Literal, Anonymous, AclOperation.Alter, AclPermissionType.Deny),
                Binding(ResourceType.Topic, topic, ResourcePatternType.Literal, Anonymous, AclOperation.Read, AclPermissionType.Deny),
                Binding(ResourceType.Topic, topic, ResourcePatternType.Literal, Anonymous, AclOperation.Describe, AclPermissionType.Deny),
            ]);
        }
        using var raw = new RawClient(broker.Port);
        int c = raw.Send(new Protocol.Messages.ElectLeadersRequest
        {
            ElectionType = 0,
            TopicPartitions = [new() { Topic = topic, Partitions = [0] }],
        }, 2);
        var elect = raw.Receive<Protocol.Messages.ElectLeadersResponse>(c, 2, 1);
        Assert.Equal((short)Protocol.Messages.ErrorCode.ClusterAuthorizationFailed, elect.ErrorCode);
        Assert.Equal((short)Protocol.Messages.ErrorCode.ClusterAuthorizationFailed, elect.ReplicaElectionResults[0].PartitionResult[0].ErrorCode);

        c = raw.Send(new Protocol.Messages.DescribeProducersRequest { Topics = [new() { Name = topic, PartitionIndexes = [0] }] }, 0);
        var producers = raw.Receive<Protocol.Messages.DescribeProducersResponse>(c, 0, 1);
        Assert.Equal((short)Protocol.Messages.ErrorCode.TopicAuthorizationFailed, producers.Topics[0].Partitions[0].ErrorCode);

        c = raw.Send(new Protocol.Messages.OffsetForLeaderEpochRequest { Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, LeaderEpoch = 0 }] }] }, 4);
        var epochs = raw.Receive<Protocol.Messages.OffsetForLeaderEpochResponse>(c, 4, 1);
        Assert.Equal((short)Protocol.Messages.ErrorCode.TopicAuthorizationFailed, epochs.Topics[0].Partitions[0].ErrorCode);

        c = raw.Send(new Protocol.Messages.DescribeTopicPartitionsRequest { Topics = [new() { Name = topic }], ResponsePartitionLimit = 10 }, 0);
        var described = raw.Receive<Protocol.Messages.DescribeTopicPartitionsResponse>(c, 0, 1);
        Assert.Equal((short)Protocol.Messages.ErrorCode.TopicAuthorizationFailed, described.Topics[0].ErrorCode);
        c = raw.Send(new Protocol.Messages.DescribeTopicPartitionsRequest { ResponsePartitionLimit = 100 }, 0);
        Assert.DoesNotContain(raw.Receive<Protocol.Messages.DescribeTopicPartitionsResponse>(c, 0, 1).Topics, t => t.Name == topic);
    }

    [Fact]
    public async Task Denied_produce_and_consume_get_topic_authorization_failed()
    {
        await using var broker = await Start(authorizer: true);
        string topic = Unique("acl-denied");
        using (var admin = Admin(broker))
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
            await admin.CreateAclsAsync([
                Binding(ResourceType.Topic, topic, ResourcePatternType.Literal, Anonymous, AclOperation.Write, AclPermissionType.Deny),
                Binding(ResourceType.Topic, topic, ResourcePatternType.Literal, Anonymous, AclOperation.Read, AclPermissionType.Deny),
                Binding(ResourceType.Topic, topic, ResourcePatternType.Literal, Anonymous, AclOperation.Describe, AclPermissionType.Allow),
            ]);
        }
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, MessageTimeoutMs = 10000 }).Build())
        {
            var e = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, e.Error.Code);
        }
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap, GroupId = Unique("acl-g"), AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var error = Assert.Throws<ConsumeException>(() =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline) consumer.Consume(TimeSpan.FromMilliseconds(500));
        });
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, error.Error.Code);
    }

    [Fact]
    public async Task Without_allow_everyone_only_super_users_and_acls_grant_access()
    {
        await using var broker = await Start(authorizer: true, allowEveryone: false);
        using var admin = Admin(broker);
        var create = await Assert.ThrowsAsync<CreateAclsException>(() => admin.CreateAclsAsync(
            [Binding(ResourceType.Topic, "t", ResourcePatternType.Literal, "User:a", AclOperation.Read, AclPermissionType.Allow)]));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, create.Results[0].Error.Code);
        var topics = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = Unique("acl-t"), NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, topics.Results[0].Error.Code);

        await broker.StopAsync();
        broker.Options.SuperUsers = Anonymous;
        await broker.StartAsync();
        using var superAdmin = Admin(broker);
        await superAdmin.CreateAclsAsync([Binding(ResourceType.Topic, "t", ResourcePatternType.Literal, "User:a", AclOperation.Read, AclPermissionType.Allow)]);
        Assert.Single((await superAdmin.DescribeAclsAsync(Filter(ResourceType.Any, null, ResourcePatternType.Any))).AclBindings);
    }

    [Fact]
    public async Task Sasl_principals_are_checked_against_acls()
    {
        var broker = new BrokerFixture
        {
            ConfigureOptions = o =>
            {
                o.Security.Protocol = Security.SecurityProtocol.SaslPlaintext;
                o.Security.PlainUsers["alice"] = "alice-secret";
                o.Security.PlainUsers["carol"] = "carol-secret";
                o.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
                o.SuperUsers = "User:alice";
            },
        };
        await broker.InitializeAsync();
        try
        {
            ClientConfig As(string user) => new()
            {
                BootstrapServers = broker.Bootstrap, SecurityProtocol = SecurityProtocol.SaslPlaintext, SaslMechanism = SaslMechanism.Plain,
                SaslUsername = user, SaslPassword = user + "-secret",
            };
            string topic = Unique("acl-sasl");
            using (var admin = new AdminClientBuilder(new AdminClientConfig(As("alice"))).Build())
            {
                await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
            }
            async Task<ErrorCode> ProduceAs(string user)
            {
                using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(As(user)) { MessageTimeoutMs = 10000 }).Build();
                try
                {
                    await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" });
                    return ErrorCode.NoError;
                }
                catch (ProduceException<Null, string> e)
                {
                    return e.Error.Code;
                }
            }
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, await ProduceAs("carol"));
            using (var admin = new AdminClientBuilder(new AdminClientConfig(As("alice"))).Build())
            {
                await admin.CreateAclsAsync([Binding(ResourceType.Topic, "acl-sasl", ResourcePatternType.Prefixed, "User:carol", AclOperation.Write, AclPermissionType.Allow)]);
            }
            Assert.Equal(ErrorCode.NoError, await ProduceAs("carol"));
        }
        finally { await broker.DisposeAsync(); }
    }
}
