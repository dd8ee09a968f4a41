using Chronik.Protocol.Generator;
using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

public class GeneratedRecordsAreCurrentTests
{
    [Fact]
    public void Regenerating_the_persisted_records_matches_the_committed_code()
    {
        string root = CodeGenerator.FindRepoRoot(AppContext.BaseDirectory);
        string committedDir = RecordCodeGenerator.DefaultOutDir(root);
        var fresh = RecordCodeGenerator.GenerateAll(root);
        var committed = Directory.GetFiles(committedDir, "*.g.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(committedDir, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(fresh.Keys.ToList(), committed);
        foreach (var (name, text) in fresh)
        {
            Assert.True(text == File.ReadAllText(Path.Combine(committedDir, name)),
                $"Records/{name} is out of date: run `dotnet run --project src/Chronik.Protocol.Generator`");
        }
    }

    [Fact]
    public void Record_table_knows_kafkas_types_and_ours()
    {
        Assert.IsType<TopicRecord>(MetadataRecordTypes.Create(2));
        Assert.IsType<AccessControlEntryRecord>(MetadataRecordTypes.Create(18));
        Assert.IsType<FeatureEpochRecord>(MetadataRecordTypes.Create(RecordCodeGenerator.FirstOwnType));
        Assert.Null(MetadataRecordTypes.Create(999));
        Assert.Equal(2, MetadataRecordTypes.HighestVersion(MetadataRecordTypes.PartitionRecord));
    }

    [Fact]
    public void A_record_round_trips_with_its_tagged_fields()
    {
        var p = new PartitionRecord
        {
            PartitionId = 3, TopicId = Guid.NewGuid(), Replicas = [1], Isr = [1], Leader = 1, LeaderEpoch = 4,
            LeaderRecoveryState = 1, Directories = [Guid.NewGuid()], EligibleLeaderReplicas = [1, 2],
        };
        byte[] bytes = p.ToBytes(2);
        var back = new PartitionRecord().ReadFrom(bytes, 2);
        Assert.Equal(p.TopicId, back.TopicId);
        Assert.Equal(1, back.LeaderRecoveryState);
        Assert.Equal([1, 2], back.EligibleLeaderReplicas!);
        Assert.Equal(p.Directories, back.Directories);
        var q = new ClientQuotaRecord { Key = "producer_byte_rate", Value = 1024, Entity = [new() { EntityType = "user", EntityName = null }] };
        var q2 = new ClientQuotaRecord().ReadFrom(q.ToBytes(0), 0);
        Assert.Null(q2.Entity[0].EntityName);
        Assert.Equal(1024, q2.Value);
    }
}
