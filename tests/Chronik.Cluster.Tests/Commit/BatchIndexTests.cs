using Chronik.Cluster.Commit;
using Npgsql;
using static Chronik.Cluster.Tests.Commit.TestWindows;

namespace Chronik.Cluster.Tests.Commit;

/// <summary>The fetch lookup and ListOffsets by timestamp over what commits indexed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BatchIndexTests(PostgresFixture pg) : IDisposable
{
    private readonly NpgsqlDataSource _ds = NpgsqlDataSource.Create(pg.NewDatabase());

    [Fact]
    public async Task A_fetch_finds_the_batch_holding_its_offset_and_reads_on_up_to_max_bytes()
    {
        var committer = new WindowCommitter(_ds);
        var index = new BatchIndex(_ds);
        var t = Guid.NewGuid();
        // Offsets 0-9, 10-14, 15, 16-35 in two objects; each batch is 100 bytes.
        var w1 = Window((t, 0, [Plain(10), Plain(5)]), (t, 1, [Plain(1)]));
        var w2 = Window((t, 0, [Plain(1), Plain(20)]));
        await committer.CommitAsync(w1);
        await committer.CommitAsync(w2);

        var all = await index.FetchAsync(t, 0, 0, 1 << 20);
        Assert.Equal(new PartitionOffsets(0, 36, 1_000), all.Offsets);
        Assert.Equal([(0L, 9L), (10L, 14L), (15L, 15L), (16L, 35L)], all.Batches.Select(b => (b.BaseOffset, b.LastOffset)));
        Assert.Equal([w1.ObjectKey, w1.ObjectKey, w2.ObjectKey, w2.ObjectKey], all.Batches.Select(b => b.ObjectKey));
        Assert.Equal([0L, 100L], all.Batches.Take(2).Select(b => b.Position));
        Assert.Equal(100, all.Batches[1].Size);

        var middle = await index.FetchAsync(t, 0, 12, 250);
        Assert.Equal([10L, 15L], middle.Batches.Select(b => b.BaseOffset));
        // The first batch comes back even when it is larger than max bytes.
        var small = await index.FetchAsync(t, 0, 35, 1);
        Assert.Equal([16L], small.Batches.Select(b => b.BaseOffset));
        // At or past the high watermark, or below the log start: no batches, and the offsets to answer with.
        var atEnd = await index.FetchAsync(t, 0, 36, 1000);
        Assert.Empty(atEnd.Batches);
        Assert.Equal(36, atEnd.Offsets?.HighWatermark);
        Assert.Empty((await index.FetchAsync(t, 0, -1, 1000)).Batches);
        var unknown = await index.FetchAsync(Guid.NewGuid(), 0, 0, 1000);
        Assert.Null(unknown.Offsets);
        Assert.Empty(unknown.Batches);
    }

    [Fact]
    public async Task Partitions_can_be_created_explicitly_and_start_empty()
    {
        var index = new BatchIndex(_ds);
        var t = Guid.NewGuid();
        Assert.Equal(3, await index.CreatePartitionsAsync([(t, 0), (t, 1), (t, 2)]));
        Assert.Equal(1, await index.CreatePartitionsAsync([(t, 2), (t, 3)]));
        Assert.Equal(new PartitionOffsets(0, 0, -1), await index.OffsetsAsync(t, 3));
        var empty = await index.FetchAsync(t, 0, 0, 100);
        Assert.Equal(new PartitionOffsets(0, 0, -1), empty.Offsets);
        Assert.Empty(empty.Batches);
        Assert.Null(await index.OffsetsAsync(t, 4));
        var r = await new WindowCommitter(_ds).CommitAsync(Window((t, 3, [Plain(2)])));
        Assert.Equal(0, r.Partitions[0].Batches[0].BaseOffset);
    }

    [Fact]
    public async Task By_timestamp_finds_the_first_batch_with_a_timestamp_at_or_above_the_target()
    {
        var committer = new WindowCommitter(_ds);
        var index = new BatchIndex(_ds);
        var t = Guid.NewGuid();
        // Max timestamps by offset: 0-1 @100, 2 @300, 3-5 @200 (out of order, as CreateTime allows), 6 @500.
        await committer.CommitAsync(Window((t, 0, [Plain(2, 100), Plain(1, 300)])));
        await committer.CommitAsync(Window((t, 0, [Plain(3, 200), Plain(1, 500)])));
        Assert.Equal(0, (await index.FindByTimestampAsync(t, 0, 50))?.BaseOffset);
        Assert.Equal(0, (await index.FindByTimestampAsync(t, 0, 100))?.BaseOffset);
        Assert.Equal(2, (await index.FindByTimestampAsync(t, 0, 150))?.BaseOffset);
        Assert.Equal(2, (await index.FindByTimestampAsync(t, 0, 250))?.BaseOffset);
        Assert.Equal(6, (await index.FindByTimestampAsync(t, 0, 301))?.BaseOffset);
        Assert.Null(await index.FindByTimestampAsync(t, 0, 501));
        Assert.Equal(500, (await index.OffsetsAsync(t, 0))?.MaxTimestamp);
        // Past the log start, a batch's own timestamp decides (the running maximum came from a deleted batch).
        await using (var cmd = _ds.CreateCommand($"UPDATE partitions SET log_start_offset = 3 WHERE topic_id = '{t}'"))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Equal(3, (await index.FindByTimestampAsync(t, 0, 150))?.BaseOffset);
        Assert.Equal(6, (await index.FindByTimestampAsync(t, 0, 250))?.BaseOffset);
    }

    [Fact]
    public async Task Log_append_time_batches_are_indexed_at_the_commit_time()
    {
        var committer = new WindowCommitter(_ds);
        var index = new BatchIndex(_ds);
        var t = Guid.NewGuid();
        var r = await committer.CommitAsync(Window((t, 0, [Plain(1, 5) with { LogAppendTime = true }])));
        var batch = (await index.FetchAsync(t, 0, 0, 100)).Batches.Single();
        Assert.Equal(r.LogAppendTime, batch.MaxTimestamp);
        Assert.Equal(0, (await index.FindByTimestampAsync(t, 0, r.LogAppendTime))?.BaseOffset);
        Assert.Null(await index.FindByTimestampAsync(t, 0, r.LogAppendTime + 1));
    }

    public void Dispose() => _ds.Dispose();
}
