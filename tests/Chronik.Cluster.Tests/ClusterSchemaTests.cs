using Chronik.Cluster.Metadata;
using Chronik.Cluster.Schema;
using Npgsql;

namespace Chronik.Cluster.Tests;

/// <summary>Schema creation at start: N brokers at once apply each migration exactly once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterSchemaTests(PostgresFixture pg)
{
    [Fact]
    public void Eight_brokers_migrating_at_once_apply_every_migration_exactly_once()
    {
        using var ds = NpgsqlDataSource.Create(pg.NewDatabase());
        using var start = new Barrier(8);
        var applied = new IReadOnlyList<int>[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            applied[i] = ClusterSchema.Migrate(ds);
        });
        var all = Enumerable.Range(1, ClusterSchema.CurrentVersion).ToList();
        Assert.Equal(all, applied.SelectMany(a => a).Order());
        Assert.Single(applied, a => a.Count > 0);
        Assert.Equal(all, ClusterSchema.AppliedVersions(ds));
        Assert.Empty(ClusterSchema.Migrate(ds));
    }

    [Fact]
    public void Stores_opened_together_on_a_fresh_database_all_start_and_share_one_log()
    {
        string db = pg.NewDatabase();
        var stores = new PostgresMetadataStore[6];
        try
        {
            Parallel.For(0, stores.Length, new ParallelOptions { MaxDegreeOfParallelism = stores.Length }, i => stores[i] = PostgresMetadataStore.Open(db));
            var offsets = stores.Select(s => s.Append([Chronik.Coordination.Tests.Metadata.LevelsParticipant.Level("x", 1)])).ToList();
            Assert.Equal(Enumerable.Range(0, stores.Length).Select(i => (long)i), offsets);
        }
        finally
        {
            foreach (var s in stores) s?.Dispose();
        }
    }

    [Fact]
    public void A_database_migrated_by_a_newer_build_is_refused_with_the_versions_named()
    {
        using var ds = NpgsqlDataSource.Create(pg.NewDatabase());
        ClusterSchema.Migrate(ds);
        using (var cmd = ds.CreateCommand("INSERT INTO schema_migrations (version, description) VALUES (999, 'from the future')")) cmd.ExecuteNonQuery();
        var e = Assert.Throws<InvalidOperationException>(() => ClusterSchema.Migrate(ds));
        Assert.Contains("version 999", e.Message, StringComparison.Ordinal);
        Assert.Contains($"this build's {ClusterSchema.CurrentVersion}", e.Message, StringComparison.Ordinal);
    }
}
