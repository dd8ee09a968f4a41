namespace Chronik.Cluster.Schema;

/// <summary>One schema change, applied once per database and recorded in schema_migrations.</summary>
public sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// The cluster schema as an append-only list: a released migration is never edited, a change is a new version.
/// docs/CLUSTER.md describes the tables. Version 3 has no foreign keys on purpose: the commit writes a window's
/// rows together under its partition locks, and the keys' checks cost a third of its PostgreSQL CPU (measured).
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
        new(3, "partitions, producer state, objects, batch index", """
            CREATE TABLE partitions (
                topic_id         uuid NOT NULL,
                partition        integer NOT NULL CHECK (partition >= 0),
                log_start_offset bigint NOT NULL DEFAULT 0 CHECK (log_start_offset >= 0),
                high_watermark   bigint NOT NULL DEFAULT 0,
                max_timestamp    bigint NOT NULL DEFAULT -1,
                created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (topic_id, partition),
                CHECK (high_watermark >= log_start_offset));
            CREATE TABLE producer_state (
                topic_id          uuid NOT NULL,
                partition         integer NOT NULL,
                producer_id       bigint NOT NULL,
                epoch             smallint NOT NULL,
                first_seqs        integer[] NOT NULL,
                last_seqs         integer[] NOT NULL,
                base_offsets      bigint[] NOT NULL,
                last_offsets      bigint[] NOT NULL,
                timestamps        bigint[] NOT NULL,
                last_timestamp    bigint NOT NULL,
                txn_first_offset  bigint NOT NULL DEFAULT -1,
                coordinator_epoch integer NOT NULL DEFAULT -1,
                PRIMARY KEY (topic_id, partition, producer_id),
                CHECK (cardinality(first_seqs) <= 5 AND cardinality(first_seqs) = cardinality(last_seqs)
                    AND cardinality(first_seqs) = cardinality(base_offsets) AND cardinality(first_seqs) = cardinality(last_offsets)
                    AND cardinality(first_seqs) = cardinality(timestamps)));
            CREATE TABLE objects (
                object_key     text PRIMARY KEY,
                node_id        integer,
                size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
                batch_count    integer NOT NULL CHECK (batch_count >= 0),
                created_at     timestamptz NOT NULL,
                committed_at   timestamptz,
                orphaned_at    timestamptz,
                append_time    bigint,
                result_errors  smallint[],
                result_offsets bigint[],
                CHECK ((committed_at IS NULL) <> (orphaned_at IS NULL)),
                CHECK (committed_at IS NULL OR (append_time IS NOT NULL AND result_errors IS NOT NULL AND result_offsets IS NOT NULL)));
            CREATE INDEX objects_orphaned ON objects (orphaned_at) WHERE orphaned_at IS NOT NULL;
            CREATE TABLE batches (
                topic_id         uuid NOT NULL,
                partition        integer NOT NULL,
                base_offset      bigint NOT NULL,
                last_offset      bigint NOT NULL,
                object_key       text NOT NULL,
                position         bigint NOT NULL CHECK (position >= 0),
                size             integer NOT NULL CHECK (size > 0),
                record_count     integer NOT NULL,
                max_timestamp    bigint NOT NULL,
                timestamp_high   bigint NOT NULL,
                append_time      bigint NOT NULL,
                producer_id      bigint NOT NULL,
                producer_epoch   smallint NOT NULL,
                is_transactional boolean NOT NULL,
                is_control       boolean NOT NULL,
                PRIMARY KEY (topic_id, partition, base_offset),
                CHECK (last_offset >= base_offset));
            CREATE INDEX batches_by_time ON batches (topic_id, partition, timestamp_high, base_offset);
            CREATE INDEX batches_by_object ON batches (object_key);
            """),
    ];
}
