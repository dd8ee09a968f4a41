using Chronik.Cluster.Commit;
using Chronik.Storage.Objects;
using Chronik.Storage.Objects.Files;
using Npgsql;
using static Chronik.Cluster.Tests.Commit.TestWindows;

namespace Chronik.Cluster.Tests.Commit;

/// <summary>Objects PUT but never committed are deleted after the grace period, committed ones never; a late commit loses to the claim.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OrphanObjectCleanerTests(PostgresFixture pg) : IDisposable
{
    private readonly NpgsqlDataSource _ds = NpgsqlDataSource.Create(pg.NewDatabase());
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-orphans-").FullName;

    [Fact]
    public async Task Uncommitted_objects_older_than_the_grace_are_deleted_and_committed_or_young_ones_kept()
    {
        var store = new FileObjectStore(_dir);
        var committer = new WindowCommitter(_ds);
        var t = Guid.NewGuid();
        string committed = NewKey(), orphan = NewKey(), other = "elsewhere/" + NewKey();
        foreach (var key in new[] { committed, orphan, other }) await store.PutAsync(key, new byte[200], CancellationToken.None);
        await committer.CommitAsync(Window(committed, (t, 0, [Plain(1)])));

        // Within the grace period nothing is touched.
        var early = await new OrphanObjectCleaner(_ds, store, "test/", TimeSpan.FromHours(1)).RunAsync();
        Assert.Equal(new OrphanCleanupResult(2, 2, 0, 0, 0), early);

        // Past it (a clock an hour ahead), the uncommitted one goes; the committed one and the other prefix stay.
        var later = new ShiftedTime(TimeSpan.FromHours(2));
        var pass = await new OrphanObjectCleaner(_ds, store, "test/", TimeSpan.FromHours(1), later).RunAsync();
        Assert.Equal(new OrphanCleanupResult(2, 0, 1, 1, 0), pass);
        Assert.Null(await store.HeadAsync(orphan, CancellationToken.None));
        Assert.NotNull(await store.HeadAsync(committed, CancellationToken.None));
        Assert.NotNull(await store.HeadAsync(other, CancellationToken.None));

        // The broker that PUT the orphan commits it after all: refused, nothing indexed.
        var late = Window(orphan, (t, 0, [Plain(1)]));
        await Assert.ThrowsAsync<WindowCommitRefusedException>(() => committer.CommitAsync(late));
        Assert.Equal(1, (await new BatchIndex(_ds).OffsetsAsync(t, 0))?.HighWatermark);
    }

    [Fact]
    public async Task A_claim_whose_delete_never_happened_is_deleted_by_the_next_pass_and_tombstones_expire()
    {
        var store = new FileObjectStore(_dir);
        string orphan = NewKey();
        await store.PutAsync(orphan, new byte[10], CancellationToken.None);
        // A pass that claimed the key and died before deleting it.
        Chronik.Cluster.Schema.ClusterSchema.Migrate(_ds);
        await using (var cmd = _ds.CreateCommand(
            $"INSERT INTO objects (object_key, size_bytes, batch_count, created_at, orphaned_at) VALUES ('{orphan}', 10, 0, now(), now())"))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        var cleaner = new OrphanObjectCleaner(_ds, store, "test/", TimeSpan.Zero) { TombstoneRetention = TimeSpan.FromHours(1) };
        Assert.Equal(new OrphanCleanupResult(1, 0, 0, 1, 0), await cleaner.RunAsync());
        Assert.Null(await store.HeadAsync(orphan, CancellationToken.None));
        var purge = new OrphanObjectCleaner(_ds, store, "test/", TimeSpan.Zero) { TombstoneRetention = TimeSpan.Zero };
        Assert.Equal(1, (await purge.RunAsync()).TombstonesPurged);
    }

    [Fact]
    public async Task Concurrent_commits_and_cleanups_never_delete_a_committed_object()
    {
        var store = new FileObjectStore(_dir);
        var committer = new WindowCommitter(_ds);
        var t = Guid.NewGuid();
        var keys = Enumerable.Range(0, 40).Select(_ => NewKey()).ToList();
        foreach (var key in keys) await store.PutAsync(key, new byte[100], CancellationToken.None);
        var cleaner = new OrphanObjectCleaner(_ds, store, "test/", TimeSpan.Zero);
        var commits = Task.Run(async () =>
        {
            var won = new List<string>();
            foreach (var key in keys)
            {
                try
                {
                    await committer.CommitAsync(Window(key, (t, 0, [Plain(1)])));
                    won.Add(key);
                }
                catch (WindowCommitRefusedException)
                {
                }
            }
            return won;
        });
        var cleanups = Task.Run(async () =>
        {
            for (int i = 0; i < 5; i++) await cleaner.RunAsync();
        });
        await Task.WhenAll(commits, cleanups);
        await cleaner.RunAsync();
        var committedKeys = await commits;
        foreach (var key in keys)
        {
            bool present = await store.HeadAsync(key, CancellationToken.None) is not null;
            Assert.Equal(committedKeys.Contains(key), present);
        }
        Assert.Equal(committedKeys.Count, (await new BatchIndex(_ds).OffsetsAsync(t, 0))?.HighWatermark ?? 0);
    }

    public void Dispose()
    {
        _ds.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
