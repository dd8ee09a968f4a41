using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// Writes the upgrade fixture (Fixtures/upgrade-json-v1): a data directory in the format the broker used before the
/// metadata store (JSON files under __cluster_metadata). It was run once on the build before issue 11's holders moved
/// (commit bb03d82 plus this file) with CHRONIK_WRITE_UPGRADE_FIXTURE=&lt;target dir&gt;; otherwise it does nothing.
/// <see cref="UpgradeFromJsonTests"/> starts today's broker on a copy and checks every item below.
/// </summary>
public class UpgradeFixtureWriter
{
    internal static readonly string[] Topics = ["upgrade-orders", "upgrade-compact"];

    private static T Call<T>(int port, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    [Fact]
    public async Task Write_fixture_when_asked()
    {
        string? target = Environment.GetEnvironmentVariable("CHRONIK_WRITE_UPGRADE_FIXTURE");
        if (string.IsNullOrEmpty(target)) return;
        await using var broker = new GroupTestBroker(partitions: 1);
        broker.Options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        broker.Options.AllowEveryoneIfNoAclFound = true;
        await broker.StartAsync();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync(
            [
                new TopicSpecification { Name = Topics[0], NumPartitions = 3, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "3600000" } },
                new TopicSpecification { Name = Topics[1], NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["cleanup.policy"] = "compact" } },
            ]);
            await admin.CreateAclsAsync(
            [
                new AclBinding
                {
                    Pattern = new ResourcePattern { Type = Confluent.Kafka.Admin.ResourceType.Topic, Name = "audit-", ResourcePatternType = ResourcePatternType.Prefixed },
                    Entry = new AccessControlEntry { Principal = "User:alice", Host = "*", Operation = AclOperation.Read, PermissionType = AclPermissionType.Allow },
                },
                new AclBinding
                {
                    Pattern = new ResourcePattern { Type = Confluent.Kafka.Admin.ResourceType.Group, Name = "upgrade-denied", ResourcePatternType = ResourcePatternType.Literal },
                    Entry = new AccessControlEntry { Principal = "User:bob", Host = "10.0.0.1", Operation = AclOperation.Describe, PermissionType = AclPermissionType.Deny },
                },
            ]);
            await admin.AlterUserScramCredentialsAsync(
            [
                new UserScramCredentialUpsertion
                {
                    User = "upgrade-user",
                    ScramCredentialInfo = new ScramCredentialInfo { Mechanism = Confluent.Kafka.Admin.ScramMechanism.ScramSha256, Iterations = 8192 },
                    Password = "secret"u8.ToArray(),
                    Salt = "salt"u8.ToArray(),
                },
            ]);
            // A user may appear once per request.
            await admin.AlterUserScramCredentialsAsync(
            [
                new UserScramCredentialUpsertion
                {
                    User = "upgrade-user",
                    ScramCredentialInfo = new ScramCredentialInfo { Mechanism = Confluent.Kafka.Admin.ScramMechanism.ScramSha512, Iterations = 4096 },
                    Password = "secret"u8.ToArray(),
                    Salt = "salt2"u8.ToArray(),
                },
            ]);
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = Confluent.Kafka.Admin.ResourceType.Broker, Name = "1" }] =
                    [new ConfigEntry { Name = "log.retention.ms", Value = "7200000", IncrementalOperation = AlterConfigOpType.Set }],
            });
        }
        var quotas = Call<AlterClientQuotasResponse>(broker.Port, new AlterClientQuotasRequest
        {
            Entries =
            [
                new()
                {
                    Entity = [new() { EntityType = "client-id", EntityName = "upgrade-client" }],
                    Ops = [new() { Key = "producer_byte_rate", Value = 1048576 }],
                },
                new()
                {
                    Entity = [new() { EntityType = "user", EntityName = "upgrade-user" }, new() { EntityType = "client-id", EntityName = null }],
                    Ops = [new() { Key = "consumer_byte_rate", Value = 2048 }, new() { Key = "request_percentage", Value = 50 }],
                },
            ],
        }, 1);
        Assert.All(quotas.Entries, e => Assert.Equal(0, e.ErrorCode));
        var groupConfig = Call<IncrementalAlterConfigsResponse>(broker.Port, new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new()
                {
                    ResourceType = 32, ResourceName = "upgrade-group",
                    Configs = [new() { Name = "consumer.session.timeout.ms", ConfigOperation = 0, Value = "50000" }],
                },
            ],
        }, 1);
        Assert.Equal(0, groupConfig.Responses[0].ErrorCode);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, EnableIdempotence = true }).Build())
        {
            for (int i = 0; i < 5; i++) await producer.ProduceAsync(Topics[0], new Message<Null, string> { Value = "m" + i });
        }
        await broker.StopAsync();
        Copy(broker.DataDir, target);
    }

    internal static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
    }
}
