using Chronik.Coordination.Configs;
using Chronik.Coordination.Features;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// Upgrade in place: today's broker started on a copy of a data directory the JSON-era build wrote
/// (Fixtures/upgrade-json-v1, see <see cref="UpgradeFixtureWriter"/>) finds everything in it, imports each moved
/// holder's file once into the metadata log (renaming it *.migrated), and finds it all again after a second restart.
/// </summary>
public class UpgradeFromJsonTests
{
    private static readonly string[] Moved = ["acls.json", "transactions.log", "scram-credentials.json", "client-quotas.json", "features.json", "producer-ids", "topics.json", "broker-configs.json", "group-configs.json"];

    private static DescribeClientQuotasResponse DescribeQuotas(int port)
    {
        using var c = new RawClient(port);
        var request = new DescribeClientQuotasRequest();
        int corr = c.Send(request, 1);
        return c.Receive<DescribeClientQuotasResponse>(corr, 1, ApiKeys.ResponseHeaderVersion(request.ApiKey, 1));
    }

    [Fact]
    public async Task A_json_era_data_directory_is_migrated_and_everything_is_found()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        broker.Options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        broker.Options.AllowEveryoneIfNoAclFound = true;
        UpgradeFixtureWriter.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "upgrade-json-v1"), broker.DataDir);
        string meta = Path.Combine(broker.DataDir, LocalMetadataStore.DirectoryName);

        await broker.StartAsync();
        foreach (var name in Moved)
        {
            Assert.False(File.Exists(Path.Combine(meta, name)), name);
            Assert.True(File.Exists(Path.Combine(meta, name + LegacyMetadataFile.MigratedSuffix)), name);
        }
        await CheckEverything(broker);

        // The second start replays the records; the *.migrated files are never read again.
        await broker.StopAsync();
        foreach (var name in Moved) File.Delete(Path.Combine(meta, name + LegacyMetadataFile.MigratedSuffix));
        await broker.StartAsync();
        await CheckEverything(broker);
    }

    private static async Task CheckEverything(GroupTestBroker broker)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.Equal(3, metadata.Topics.Single(t => t.Topic == "upgrade-orders").Partitions.Count);
        Assert.Single(metadata.Topics.Single(t => t.Topic == "upgrade-compact").Partitions);
        var configs = await admin.DescribeConfigsAsync(
        [
            new ConfigResource { Type = ResourceType.Topic, Name = "upgrade-orders" },
            new ConfigResource { Type = ResourceType.Topic, Name = "upgrade-compact" },
            new ConfigResource { Type = ResourceType.Broker, Name = "1" },
        ]);
        Assert.Equal("3600000", configs[0].Entries["retention.ms"].Value);
        Assert.Equal("compact", configs[1].Entries["cleanup.policy"].Value);
        Assert.Equal("7200000", configs[2].Entries["log.retention.ms"].Value);

        var acls = await admin.DescribeAclsAsync(new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Any, ResourcePatternType = ResourcePatternType.Any },
            EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        });
        Assert.Equal(
            ["Group:upgrade-denied:User:bob:10.0.0.1:Describe:Deny", "Topic:audit-:User:alice:*:Read:Allow"],
            acls.AclBindings.Select(a => $"{a.Pattern.Type}:{a.Pattern.Name}:{a.Entry.Principal}:{a.Entry.Host}:{a.Entry.Operation}:{a.Entry.PermissionType}").Order(StringComparer.Ordinal));

        var scram = await admin.DescribeUserScramCredentialsAsync(["upgrade-user"]);
        Assert.Equal([(Confluent.Kafka.Admin.ScramMechanism.ScramSha256, 8192), (Confluent.Kafka.Admin.ScramMechanism.ScramSha512, 4096)],
            scram.UserScramCredentialsDescriptions.Single().ScramCredentialInfos.Select(i => (i.Mechanism, i.Iterations)).OrderBy(i => i.Mechanism));

        var quotas = DescribeQuotas(broker.Port);
        Assert.Equal(
            ["client-id=upgrade-client:producer_byte_rate=1048576", "user=upgrade-user,client-id=:consumer_byte_rate=2048,request_percentage=50"],
            quotas.Entries!.Select(e => string.Join(",", e.Entity.Select(c => c.EntityType + "=" + c.EntityName)) + ":" +
                string.Join(",", e.Values.Select(v => v.Key + "=" + v.Value))).Order(StringComparer.Ordinal));

        Assert.Equal("50000", broker.Services.GetRequiredService<GroupConfigStore>().Get("upgrade-group")["consumer.session.timeout.ms"]);
        var features = broker.Services.GetRequiredService<FinalizedFeatures>().Current;
        Assert.Equal((0L, (short)25, (short)1, (short)2), (features.Epoch, features.LevelOf("metadata.version"), features.LevelOf("group.version"), features.LevelOf("transaction.version")));
        Assert.True(broker.Services.GetRequiredService<ProducerIdManager>().WasAllocated(0));
        Assert.True(broker.Services.GetRequiredService<ProducerIdManager>().Peek >= 1000);

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap, GroupId = "upgrade-check-" + Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe("upgrade-orders");
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (values.Count < 5 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } m) values.Add(m.Message.Value);
        }
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], values.Order(StringComparer.Ordinal));
        consumer.Close();
    }
}
