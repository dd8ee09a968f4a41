using Chronik.Coordination.Producers;
using Chronik.Coordination.Tests.Metadata;

namespace Chronik.Coordination.Tests;

/// <summary>Producer-id blocks on the metadata store: never reused across restarts, snapshots and the JSON-era upgrade.</summary>
public class ProducerIdManagerTests
{
    [Fact]
    public void Ids_are_never_reused_across_restarts_and_snapshots()
    {
        using var dir = new MetadataDir();
        var ids = new ProducerIdManager(dir.Store);
        Assert.Equal(0, ids.Next());
        Assert.Equal(1, ids.Next());
        Assert.True(ids.WasAllocated(999));
        Assert.False(ids.WasAllocated(1000));

        var second = new ProducerIdManager(dir.Reopen());
        Assert.Equal(ProducerIdManager.BlockSize, second.Next());
        dir.Store.TakeSnapshot();
        for (int i = 0; i < ProducerIdManager.BlockSize; i++) second.Next();
        var third = new ProducerIdManager(dir.Reopen());
        Assert.Equal(3 * ProducerIdManager.BlockSize, third.Next());
        Assert.True(third.WasAllocated(2 * ProducerIdManager.BlockSize + 5));
    }

    [Fact]
    public void A_producer_ids_file_of_the_json_era_is_imported_once()
    {
        using var dir = new MetadataDir();
        File.WriteAllText(dir.LegacyFile("producer-ids"), "5000\n");
        var ids = new ProducerIdManager(dir.Store, dir.DataDir);
        Assert.True(ids.WasAllocated(4999));
        Assert.Equal(5000, ids.Next());
        Assert.True(File.Exists(dir.LegacyFile("producer-ids.migrated")));
        Assert.Equal(6000, new ProducerIdManager(dir.Reopen(), dir.DataDir).Next());
    }
}
