using Chronik.Cluster.Schema;
using Chronik.Storage.Objects;
using Npgsql;

namespace Chronik.Cluster.Commit;

/// <summary>What one cleanup pass saw and did.</summary>
public sealed record OrphanCleanupResult(int Listed, int Young, int Committed, int Deleted, int TombstonesPurged);

/// <summary>
/// Deletes the objects a broker PUT but never committed (it died between the PUT and the commit). A pass lists the
/// store under the prefix and, for keys older than the grace period, claims the ones no objects row names by
/// inserting an orphan row for them (orphaned_at): the claim and a late commit of the same key meet on the
/// primary key, so exactly one of them wins, and a commit that loses is refused
/// (<see cref="WindowCommitRefusedException"/>) rather than indexing deleted bytes. Then it deletes the claimed
/// objects (those of earlier claims too, if a pass died before deleting) and, after <see cref="TombstoneRetention"/>,
/// the orphan rows. Safe to run on several brokers at once.
/// </summary>
public sealed class OrphanObjectCleaner
{
    private const int ChunkSize = 500;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IObjectStore _store;
    private readonly string _prefix;
    private readonly TimeSpan _grace;
    private readonly TimeProvider _time;

    /// <summary>Migrates the schema if needed; <paramref name="grace"/> must outlast any commit's retries by far (minutes at least).</summary>
    public OrphanObjectCleaner(NpgsqlDataSource dataSource, IObjectStore store, string prefix, TimeSpan grace, TimeProvider? time = null)
    {
        if (grace < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(grace), "the grace period cannot be negative");
        _dataSource = dataSource;
        _store = store;
        _prefix = prefix;
        _grace = grace;
        _time = time ?? TimeProvider.System;
        ClusterSchema.Migrate(dataSource);
    }

    /// <summary>How long an orphan row outlives its object (it refuses a very late commit of that key meanwhile).</summary>
    public TimeSpan TombstoneRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>One pass over the prefix.</summary>
    public async Task<OrphanCleanupResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = _time.GetUtcNow() - _grace;
        int listed = 0, young = 0, committed = 0, deleted = 0;
        var chunk = new List<ObjectInfo>(ChunkSize);
        await foreach (var info in _store.ListAllAsync(_prefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            listed++;
            if (info.LastModified > cutoff)
            {
                young++;
                continue;
            }
            chunk.Add(info);
            if (chunk.Count == ChunkSize) await Flush().ConfigureAwait(false);
        }
        await Flush().ConfigureAwait(false);
        int purged = await PurgeTombstonesAsync(cancellationToken).ConfigureAwait(false);
        return new OrphanCleanupResult(listed, young, committed, deleted, purged);

        async Task Flush()
        {
            if (chunk.Count == 0) return;
            var orphans = await ClaimAsync(chunk, cancellationToken).ConfigureAwait(false);
            committed += chunk.Count - orphans.Count;
            foreach (var key in orphans)
            {
                await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                deleted++;
            }
            chunk.Clear();
        }
    }

    // One statement: claim the keys with no row, and return them with the keys claimed by an earlier pass.
    // The main query's snapshot predates the CTE's insert, so a key is returned once.
    private async Task<List<string>> ClaimAsync(List<ObjectInfo> candidates, CancellationToken ct)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            WITH c AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS u(k, sz, t)),
            claimed AS (
                INSERT INTO objects (object_key, size_bytes, batch_count, created_at, orphaned_at)
                SELECT k, sz, 0, t, clock_timestamp() FROM c
                ON CONFLICT (object_key) DO NOTHING
                RETURNING object_key)
            SELECT object_key FROM claimed
            UNION ALL
            SELECT o.object_key FROM objects o JOIN c ON o.object_key = c.k WHERE o.orphaned_at IS NOT NULL
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = candidates.Select(c => c.Key).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = candidates.Select(c => c.Size).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = candidates.Select(c => c.LastModified.ToUniversalTime()).ToArray() });
        var keys = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) keys.Add(reader.GetString(0));
        return keys;
    }

    private async Task<int> PurgeTombstonesAsync(CancellationToken ct)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("DELETE FROM objects WHERE orphaned_at < clock_timestamp() - $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = TombstoneRetention });
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
