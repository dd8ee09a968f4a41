using Npgsql;

namespace Chronik.Cluster.Schema;

/// <summary>
/// Creates and migrates the cluster's PostgreSQL schema. Every broker runs it at start: one transaction takes a
/// transaction-scoped advisory lock (so N brokers starting together apply each migration once, the others wait and
/// then find it done), creates the migrations table if missing, and applies the migrations it does not list, in
/// version order. A database migrated by a newer build (a version this build does not know) is refused.
/// </summary>
public static class ClusterSchema
{
    /// <summary>The advisory lock key every broker takes while migrating (an arbitrary constant: "chronik1" in ASCII).</summary>
    public const long MigrationLockKey = 0x6368726f6e696b31;

    /// <summary>The highest migration version this build knows.</summary>
    public static int CurrentVersion => Migrations.All[^1].Version;

    /// <summary>Brings the schema to <see cref="CurrentVersion"/>; returns the versions this call applied (none if another broker did).</summary>
    public static IReadOnlyList<int> Migrate(NpgsqlDataSource dataSource)
    {
        using var conn = dataSource.OpenConnection();
        using var tx = conn.BeginTransaction();
        Execute(conn, tx, "SELECT pg_advisory_xact_lock(@key)", ("key", MigrationLockKey));
        Execute(conn, tx, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT clock_timestamp())
            """);
        var applied = new HashSet<int>();
        using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", conn, tx))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) applied.Add(reader.GetInt32(0));
        }
        if (applied.Count > 0 && applied.Max() > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"the cluster schema is at version {applied.Max()}, newer than this build's {CurrentVersion}: upgrade this broker");
        }
        var done = new List<int>();
        foreach (var m in Migrations.All)
        {
            if (applied.Contains(m.Version)) continue;
            Execute(conn, tx, m.Sql);
            Execute(conn, tx, "INSERT INTO schema_migrations (version, description) VALUES (@v, @d)", ("v", m.Version), ("d", m.Description));
            done.Add(m.Version);
        }
        tx.Commit();
        return done;
    }

    /// <summary>The versions recorded in the migrations table (empty if it does not exist yet).</summary>
    public static IReadOnlyList<int> AppliedVersions(NpgsqlDataSource dataSource)
    {
        using var conn = dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", conn);
        var versions = new List<int>();
        try
        {
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) versions.Add(reader.GetInt32(0));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
        }
        return versions;
    }

    private static void Execute(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        cmd.ExecuteNonQuery();
    }
}
