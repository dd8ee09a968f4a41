namespace Chronik.Cluster.Schema;

/// <summary>One schema change, applied once per database and recorded in schema_migrations.</summary>
public sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// The cluster schema as an append-only list: a released migration is never edited, a change is a new version.
/// docs/CLUSTER.md describes the tables.
/// </summary>
internal static class Migrations
{
    public static readonly Migration[] All =
    [
        new(1, "metadata log, head, snapshots", """
            CREATE TABLE metadata_head (
                id          smallint PRIMARY KEY CHECK (id = 1),
                next_offset bigint NOT NULL CHECK (next_offset >= 0));
            INSERT INTO metadata_head (id, next_offset) VALUES (1, 0);
            CREATE TABLE metadata_log (
                base_offset  bigint PRIMARY KEY,
                record_count integer NOT NULL CHECK (record_count > 0),
                batch        bytea NOT NULL,
                writer       uuid NOT NULL,
                writer_seq   bigint NOT NULL,
                appended_at  timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE metadata_snapshots (
                end_offset  bigint PRIMARY KEY,
                batches     bytea NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT clock_timestamp());
            """),
        new(2, "broker registrations", """
            CREATE TABLE brokers (
                node_id        integer PRIMARY KEY,
                host           text NOT NULL,
                port           integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
                rack           text,
                session_epoch  bigint NOT NULL,
                registered_at  timestamptz NOT NULL,
                last_heartbeat timestamptz NOT NULL);
            """),
    ];
}
