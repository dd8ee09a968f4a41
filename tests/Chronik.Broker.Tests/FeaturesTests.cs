using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>Finalized features (KIP-584): ApiVersions v3+ fields, UpdateFeatures and their persistence, each on a broker of its own.</summary>
public class FeaturesTests
{
    private const sbyte Upgrade = 1, SafeDowngrade = 2, UnsafeDowngrade = 3;

    private static T Call<T>(int port, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private static ApiVersionsResponse ApiVersions(int port, short version = 4) =>
        Call<ApiVersionsResponse>(port, new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, version);

    private static Dictionary<string, short> Finalized(int port) =>
        ApiVersions(port).FinalizedFeatures.ToDictionary(f => f.Name, f => f.MaxVersionLevel);

    private static UpdateFeaturesResponse Update(int port, short version, bool validateOnly, params (string Feature, short Level, sbyte Type)[] updates) =>
        Call<UpdateFeaturesResponse>(port, new UpdateFeaturesRequest
        {
            ValidateOnly = validateOnly,
            // v0 has only allowDowngrade (a safe downgrade), v1+ only the upgrade type.
            FeatureUpdates = updates.Select(u => new UpdateFeaturesRequest.FeatureUpdateKey
            {
                Feature = u.Feature, MaxVersionLevel = u.Level,
                UpgradeType = version == 0 ? Upgrade : u.Type, AllowDowngrade = version == 0 && u.Type != Upgrade,
            }).ToList(),
        }, version);

    private static UpdateFeaturesResponse Update(int port, params (string Feature, short Level, sbyte Type)[] updates) => Update(port, 2, false, updates);

    private static ConsumerGroupHeartbeatResponse Join(int port, string group) =>
        Call<ConsumerGroupHeartbeatResponse>(port, new ConsumerGroupHeartbeatRequest
        {
            GroupId = group, MemberId = Guid.NewGuid().ToString("N")[..22], MemberEpoch = 0, RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = ["features-topic"], TopicPartitions = [],
        }, 1);

    [Fact]
    public async Task ApiVersions_v3_and_v4_carry_the_features_and_v0_to_v2_do_not()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        for (short v = 0; v <= 2; v++)
        {
            var old = ApiVersions(broker.Port, v);
            Assert.Equal(0, old.ErrorCode);
            Assert.Empty(old.SupportedFeatures);
            Assert.Empty(old.FinalizedFeatures);
            Assert.Equal(-1, old.FinalizedFeaturesEpoch);
        }

        // v3: a supported feature with a 0 minimum is left out (Kafka's alterFeatureLevel0).
        var v3 = ApiVersions(broker.Port, 3);
        var mv = Assert.Single(v3.SupportedFeatures);
        Assert.Equal(("metadata.version", (short)7, (short)25), (mv.Name, mv.MinVersion, mv.MaxVersion));
        Assert.Equal(0, v3.FinalizedFeaturesEpoch);

        var v4 = ApiVersions(broker.Port, 4);
        Assert.Equal(
            new Dictionary<string, (short, short)>
            {
                ["eligible.leader.replicas.version"] = (0, 0),
                ["group.version"] = (0, 1),
                ["kraft.version"] = (0, 0),
                ["metadata.version"] = (7, 25),
                ["share.version"] = (0, 1),
                ["streams.version"] = (0, 0),
                ["transaction.version"] = (0, 2),
            },
            v4.SupportedFeatures.ToDictionary(f => f.Name, f => (f.MinVersion, f.MaxVersion)));
        // A fresh Kafka 4.0 cluster's levels (transaction.version 2); features at level 0 are not listed.
        foreach (var r in new[] { v3, v4 })
        {
            Assert.Equal(
                new Dictionary<string, (short, short)> { ["group.version"] = (1, 1), ["metadata.version"] = (25, 25), ["transaction.version"] = (2, 2) },
                r.FinalizedFeatures.ToDictionary(f => f.Name, f => (f.MinVersionLevel, f.MaxVersionLevel)));
        }
        Assert.Equal(0, v4.FinalizedFeaturesEpoch);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task UpdateFeatures_downgrades_and_upgrades_group_version_and_the_epoch_follows(short version)
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        var down = Update(broker.Port, version, false, ("group.version", 0, SafeDowngrade));
        Assert.Equal(0, down.ErrorCode);
        Assert.Null(down.ErrorMessage);
        if (version <= 1) Assert.Equal((0, "NONE"), (Assert.Single(down.Results).ErrorCode, down.Results[0].ErrorMessage));
        else Assert.Empty(down.Results);
        Assert.False(Finalized(broker.Port).ContainsKey("group.version"));
        Assert.Equal(1, ApiVersions(broker.Port).FinalizedFeaturesEpoch);

        // group.version 0: the consumer rebalance protocol is off, as in Kafka.
        Assert.Equal((short)KafkaError.UnsupportedVersion, Join(broker.Port, "features-g").ErrorCode);
        var described = Call<ConsumerGroupDescribeResponse>(broker.Port, new ConsumerGroupDescribeRequest { GroupIds = ["features-g"] }, 0);
        Assert.Equal((short)KafkaError.UnsupportedVersion, Assert.Single(described.Groups).ErrorCode);

        Assert.Equal(0, Update(broker.Port, version, false, ("group.version", 1, Upgrade)).ErrorCode);
        Assert.Equal(1, Finalized(broker.Port)["group.version"]);
        Assert.Equal(2, ApiVersions(broker.Port).FinalizedFeaturesEpoch);
        Assert.Equal(0, Join(broker.Port, "features-g").ErrorCode);
    }

    [Fact]
    public async Task Validate_only_checks_without_changing_anything()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        Assert.Equal(0, Update(broker.Port, 1, true, ("transaction.version", 0, SafeDowngrade), ("group.version", 0, UnsafeDowngrade)).ErrorCode);
        var bad = Update(broker.Port, 1, true, ("transaction.version", 3, Upgrade));
        Assert.Equal((short)KafkaError.InvalidUpdateVersion, bad.ErrorCode);
        var after = ApiVersions(broker.Port);
        Assert.Equal(0, after.FinalizedFeaturesEpoch);
        Assert.Equal(2, Finalized(broker.Port)["transaction.version"]);
        Assert.Equal(1, Finalized(broker.Port)["group.version"]);
    }

    [Fact]
    public async Task Invalid_updates_are_refused_as_Kafka_refuses_them_and_nothing_is_applied()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        void Refused(string because, params (string, short, sbyte)[] updates)
        {
            var r = Update(broker.Port, updates);
            Assert.Equal((short)KafkaError.InvalidUpdateVersion, r.ErrorCode);
            Assert.Contains(because, r.ErrorMessage, StringComparison.Ordinal);
        }

        // transaction.version 3 does not exist (Kafka 4.3 still stops at 2).
        Refused("The update failed for all features since the following feature had an error: Invalid update version 3 for feature transaction.version. Local controller 1 only supports versions 0-2", ("transaction.version", 3, Upgrade));
        Refused("Local controller 1 only supports versions 0-1", ("share.version", 2, Upgrade));
        Refused("does not support this feature", ("kraft.version", 1, Upgrade));
        Refused("does not support this feature", ("no.such.version", 1, Upgrade));
        Refused("Invalid update version 0 for feature no.such.version. Feature no.such.version not found.", ("no.such.version", 0, SafeDowngrade));
        Refused("A feature version cannot be less than 0", ("group.version", -1, SafeDowngrade));
        Refused("without setting the upgrade type to either safe or unsafe downgrade", ("group.version", 0, Upgrade));
        Refused("without setting the upgrade type to either safe or unsafe downgrade", ("metadata.version", 24, Upgrade));
        // Kafka refuses no transaction.version downgrade beyond the upgrade-type rules: transactions keep the version
        // they began with, so state already written stays valid (TransactionMetadata.ClientTransactionVersion).
        Assert.Equal(0, Update(broker.Port, ("transaction.version", 1, SafeDowngrade)).ErrorCode);
        Assert.Equal(0, Update(broker.Port, ("transaction.version", 0, SafeDowngrade)).ErrorCode);
        Refused("Can't downgrade to a newer version", ("transaction.version", 1, SafeDowngrade));
        Refused("Can't downgrade to a newer version", ("transaction.version", 1, UnsafeDowngrade));
        Refused("The controller does not support the given upgrade type", ("group.version", 0, 7));
        Refused("only supports versions 7-25", ("metadata.version", 6, UnsafeDowngrade));

        // Atomic: the valid first update is not applied either, and v0-1 give every feature the error.
        var mixed = Update(broker.Port, 1, false, ("group.version", 0, SafeDowngrade), ("transaction.version", 3, Upgrade));
        Assert.Equal((short)KafkaError.InvalidUpdateVersion, mixed.ErrorCode);
        Assert.All(mixed.Results, r => Assert.Equal((short)KafkaError.InvalidUpdateVersion, r.ErrorCode));
        Assert.All(mixed.Results, r => Assert.StartsWith("Invalid update version 3 for feature transaction.version.", r.ErrorMessage, StringComparison.Ordinal));
        Assert.Equal(2, mixed.Results.Count);
        Assert.Equal(1, Finalized(broker.Port)["group.version"]);
        Assert.Equal(2, ApiVersions(broker.Port).FinalizedFeaturesEpoch);
    }

    [Fact]
    public async Task Metadata_version_downgrades_only_across_levels_that_changed_no_metadata()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        // 4.0-IV3 -> 4.0-IV1: 4.0-IV3 and 4.0-IV2 changed no metadata records, so the downgrade is safe.
        Assert.Equal(0, Update(broker.Port, ("metadata.version", 23, SafeDowngrade)).ErrorCode);
        // 4.0-IV1 -> 4.0-IV0 crosses 4.0-IV1, which did: refused, and an unsafe one is not supported either.
        var safe = Update(broker.Port, ("metadata.version", 22, SafeDowngrade));
        Assert.Equal((short)KafkaError.InvalidUpdateVersion, safe.ErrorCode);
        Assert.Equal("The update failed for all features since the following feature had an error: Invalid metadata.version 22. Refusing to perform the requested downgrade because it might delete metadata information. Retry using UNSAFE_DOWNGRADE if you want to force the downgrade to proceed.", safe.ErrorMessage);
        var unsafeDown = Update(broker.Port, ("metadata.version", 7, UnsafeDowngrade));
        Assert.Equal("The update failed for all features since the following feature had an error: Invalid metadata.version 7. Unsafe metadata downgrade is not supported in this version.", unsafeDown.ErrorMessage);
        Assert.Equal(23, Finalized(broker.Port)["metadata.version"]);
        Assert.Equal(0, Update(broker.Port, ("metadata.version", 25, Upgrade)).ErrorCode);
        Assert.Equal(25, Finalized(broker.Port)["metadata.version"]);
    }

    [Fact]
    public async Task A_safe_group_version_downgrade_is_refused_while_a_consumer_group_exists()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        Assert.Equal(0, Join(broker.Port, "features-kip848").ErrorCode);
        var refused = Update(broker.Port, ("group.version", 0, SafeDowngrade));
        Assert.Equal((short)KafkaError.InvalidUpdateVersion, refused.ErrorCode);
        Assert.Contains("1 consumer group(s) use the consumer rebalance protocol", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, Finalized(broker.Port)["group.version"]);

        Assert.Equal(0, Update(broker.Port, ("group.version", 0, UnsafeDowngrade)).ErrorCode);
        Assert.Equal((short)KafkaError.UnsupportedVersion, Join(broker.Port, "features-kip848").ErrorCode);
    }

    [Fact]
    public async Task Finalized_features_and_their_epoch_survive_a_restart()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        Assert.Equal(0, Update(broker.Port, ("transaction.version", 0, SafeDowngrade), ("metadata.version", 24, SafeDowngrade)).ErrorCode);
        Assert.Equal(0, Update(broker.Port, ("group.version", 0, SafeDowngrade)).ErrorCode);
        // On the metadata log now: no features.json is written.
        Assert.False(File.Exists(Path.Combine(broker.DataDir, "__cluster_metadata", "features.json")));

        await broker.StopAsync();
        await broker.StartAsync();
        var after = ApiVersions(broker.Port);
        Assert.Equal(2, after.FinalizedFeaturesEpoch);
        Assert.Equal(new Dictionary<string, short> { ["metadata.version"] = 24 }, after.FinalizedFeatures.ToDictionary(f => f.Name, f => f.MaxVersionLevel));
        Assert.Equal((short)KafkaError.UnsupportedVersion, Join(broker.Port, "features-restart").ErrorCode);
    }

    [Fact]
    public async Task With_acls_on_UpdateFeatures_needs_alter_on_the_cluster()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        broker.Options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        broker.Options.AllowEveryoneIfNoAclFound = false;
        await broker.StartAsync();
        for (short v = 0; v <= 2; v++)
        {
            var r = Update(broker.Port, v, false, ("group.version", 0, SafeDowngrade));
            Assert.Equal((short)KafkaError.ClusterAuthorizationFailed, r.ErrorCode);
            if (v <= 1) Assert.Equal((short)KafkaError.ClusterAuthorizationFailed, Assert.Single(r.Results).ErrorCode);
        }
        Assert.Equal(1, Finalized(broker.Port)["group.version"]);
    }
}
