using Chronik.Coordination.Features;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Tests.Metadata;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>The finalized feature store: defaults, Kafka's update rules, atomicity and persistence.</summary>
public class FinalizedFeaturesTests
{
    private static FeatureUpdate U(string feature, short level, FeatureUpgradeType type) => new(feature, level, type);

    [Fact]
    public void A_fresh_cluster_finalizes_kafka_4_0_defaults()
    {
        var f = new FinalizedFeatures(new MemoryMetadataStore());
        Assert.Equal(0, f.Current.Epoch);
        Assert.Equal(new Dictionary<string, short> { ["group.version"] = 1, ["metadata.version"] = 25, ["transaction.version"] = 2 },
            f.Current.Levels.ToDictionary(kv => kv.Key, kv => kv.Value));
        Assert.True(f.ConsumerGroupsEnabled);
        Assert.Equal("4.0-IV3", FeatureCatalog.MetadataVersionName(25));
        Assert.Equal("3.3-IV3", FeatureCatalog.MetadataVersionName(7));
    }

    [Fact]
    public void Updates_are_atomic_and_each_applied_request_bumps_the_epoch_once()
    {
        var f = new FinalizedFeatures(new MemoryMetadataStore());
        var bad = f.Update([U("group.version", 0, FeatureUpgradeType.SafeDowngrade), U("transaction.version", 3, FeatureUpgradeType.Upgrade)], false, () => 0);
        Assert.Equal(ErrorCode.InvalidUpdateVersion, bad.Error);
        Assert.Equal(0, f.Current.Epoch);
        Assert.Equal(1, f.Current.LevelOf("group.version"));

        Assert.Equal((ErrorCode.None, null), f.Update([U("group.version", 0, FeatureUpgradeType.SafeDowngrade), U("transaction.version", 0, FeatureUpgradeType.UnsafeDowngrade)], false, () => 0));
        Assert.Equal(1, f.Current.Epoch);
        Assert.False(f.Current.Levels.ContainsKey("group.version"));
        Assert.False(f.ConsumerGroupsEnabled);

        Assert.Equal((ErrorCode.None, null), f.Update([U("group.version", 1, FeatureUpgradeType.Upgrade)], validateOnly: true, () => 0));
        Assert.Equal(1, f.Current.Epoch);
        Assert.False(f.ConsumerGroupsEnabled);
    }

    [Fact]
    public void The_consumer_group_count_is_asked_only_for_a_safe_group_version_downgrade()
    {
        var f = new FinalizedFeatures(new MemoryMetadataStore());
        Assert.Equal((ErrorCode.None, null), f.Update([U("transaction.version", 0, FeatureUpgradeType.SafeDowngrade)], false, () => throw new InvalidOperationException()));
        var refused = f.Update([U("group.version", 0, FeatureUpgradeType.SafeDowngrade)], false, () => 2);
        Assert.Equal(ErrorCode.InvalidUpdateVersion, refused.Error);
        Assert.StartsWith("Invalid update version 0 for feature group.version. Refusing", refused.Message, StringComparison.Ordinal);
        Assert.Equal((ErrorCode.None, null), f.Update([U("group.version", 0, FeatureUpgradeType.UnsafeDowngrade)], false, () => 2));
    }

    [Theory]
    [InlineData(25, 24, false)]
    [InlineData(25, 23, false)]
    [InlineData(25, 22, true)]
    [InlineData(21, 18, false)]
    [InlineData(21, 17, false)]
    [InlineData(21, 16, true)]
    [InlineData(8, 7, true)]
    public void Metadata_changes_follow_kafkas_table(short from, short to, bool changed) =>
        Assert.Equal(changed, FeatureCatalog.MetadataChangedBetween(from, to));

    [Fact]
    public void Levels_and_epoch_are_rebuilt_by_replay_and_the_defaults_written_at_first_start()
    {
        using var dir = new MetadataDir();
        var f = new FinalizedFeatures(dir.Store);
        Assert.Equal(FeatureCatalog.Defaults().Count + 1, dir.Store.NextOffset);
        Assert.Equal((ErrorCode.None, null), f.Update([U("metadata.version", 24, FeatureUpgradeType.SafeDowngrade)], false, () => 0));
        dir.Store.TakeSnapshot();
        Assert.Equal((ErrorCode.None, null), f.Update([U("group.version", 0, FeatureUpgradeType.SafeDowngrade)], false, () => 0));

        var reopened = new FinalizedFeatures(dir.Reopen());
        Assert.Equal(2, reopened.Current.Epoch);
        Assert.Equal(new Dictionary<string, short> { ["metadata.version"] = 24, ["transaction.version"] = 2 },
            reopened.Current.Levels.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    [Fact]
    public void A_features_json_of_the_json_era_is_imported_once_and_keeps_its_levels()
    {
        using var dir = new MetadataDir();
        // A cluster finalized before transaction.version existed keeps it unfinalized (0), as the JSON-era broker did.
        File.WriteAllText(dir.LegacyFile("features.json"), """{"Levels":{"group.version":1,"metadata.version":25},"Epoch":3}""");
        var f = new FinalizedFeatures(dir.Store, dir.DataDir);
        Assert.Equal(3, f.Current.Epoch);
        Assert.Equal(0, f.Current.LevelOf("transaction.version"));
        Assert.True(File.Exists(dir.LegacyFile("features.json.migrated")));
        var reopened = new FinalizedFeatures(dir.Reopen(), dir.DataDir);
        Assert.Equal(new Dictionary<string, short> { ["group.version"] = 1, ["metadata.version"] = 25 }, reopened.Current.Levels.ToDictionary(kv => kv.Key, kv => kv.Value));
        Assert.Equal(3, reopened.Current.Epoch);
    }
}
