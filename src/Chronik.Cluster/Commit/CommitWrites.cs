using System.Globalization;
using Chronik.Coordination.Producers;
using Npgsql;

namespace Chronik.Cluster.Commit;

/// <summary>
/// The commit's second round trip, one batch of statements: the object row with every batch's answer (what a retry
/// after an unknown outcome replays), the new high watermarks, the index rows, the producers' state, COMMIT.
/// Each statement takes its rows as arrays (unnest), so the round trip does not grow with the window.
/// </summary>
internal static class CommitWrites
{
    public static async Task RunAsync(NpgsqlConnection conn, CommitWindow window, PartitionAssignment[] assignments, long appendTime, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(ObjectRow(window, assignments, appendTime));
        var advanced = assignments.Where(a => a.Index.Count > 0).ToArray();
        if (advanced.Length > 0)
        {
            batch.BatchCommands.Add(CommitReads.Command("""
                UPDATE partitions p SET high_watermark = u.hw, max_timestamp = u.mt
                FROM unnest($1::uuid[], $2::integer[], $3::bigint[], $4::bigint[]) AS u(t, n, hw, mt)
                WHERE p.topic_id = u.t AND p.partition = u.n
                """,
                advanced.Select(a => a.Row.TopicId).ToArray(), advanced.Select(a => a.Row.Partition).ToArray(),
                advanced.Select(a => a.Row.HighWatermark).ToArray(), advanced.Select(a => a.Row.MaxTimestamp).ToArray()));
            batch.BatchCommands.Add(IndexRows(window.ObjectKey, advanced, appendTime));
        }
        var producers = assignments.SelectMany(a => a.ChangedProducers.Select(e => (a.Row.TopicId, a.Row.Partition, Entry: e))).ToArray();
        if (producers.Length > 0) batch.BatchCommands.Add(ProducerRows(producers));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand ObjectRow(CommitWindow window, PartitionAssignment[] assignments, long appendTime)
    {
        var results = assignments.SelectMany(a => a.Results).ToArray();
        return CommitReads.Command("""
            INSERT INTO objects (object_key, node_id, size_bytes, batch_count, created_at, committed_at, append_time, result_errors, result_offsets)
            VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6, $7, $8)
            """,
            window.ObjectKey, window.NodeId, window.ObjectSize, results.Length, window.CreatedAt.ToUniversalTime(), appendTime,
            results.Select(r => (short)r.Error).ToArray(), results.Select(r => r.BaseOffset).ToArray());
    }

    private static NpgsqlBatchCommand IndexRows(string objectKey, PartitionAssignment[] advanced, long appendTime)
    {
        var rows = advanced.SelectMany(a => a.Index.Select(r => (a.Row.TopicId, a.Row.Partition, Row: r))).ToArray();
        return CommitReads.Command("""
            INSERT INTO batches (topic_id, partition, base_offset, last_offset, object_key, position, size, record_count,
                                 max_timestamp, timestamp_high, append_time, producer_id, producer_epoch, is_transactional, is_control)
            SELECT t, n, b, l, $1, pos, sz, rc, mt, th, $2, pid, pe, tx, false
            FROM unnest($3::uuid[], $4::integer[], $5::bigint[], $6::bigint[], $7::bigint[], $8::integer[], $9::integer[],
                        $10::bigint[], $11::bigint[], $12::bigint[], $13::smallint[], $14::boolean[])
                AS u(t, n, b, l, pos, sz, rc, mt, th, pid, pe, tx)
            """,
            objectKey, appendTime,
            rows.Select(r => r.TopicId).ToArray(), rows.Select(r => r.Partition).ToArray(),
            rows.Select(r => r.Row.BaseOffset).ToArray(), rows.Select(r => r.Row.LastOffset).ToArray(),
            rows.Select(r => r.Row.Batch.Position).ToArray(), rows.Select(r => r.Row.Batch.Size).ToArray(),
            rows.Select(r => r.Row.Batch.RecordCount).ToArray(), rows.Select(r => r.Row.MaxTimestamp).ToArray(),
            rows.Select(r => r.Row.TimestampHigh).ToArray(), rows.Select(r => r.Row.Batch.ProducerId).ToArray(),
            rows.Select(r => r.Row.Batch.ProducerEpoch).ToArray(), rows.Select(r => r.Row.Batch.IsTransactional).ToArray());
    }

    // The last five batches go as array literals (text) because unnest flattens arrays of arrays.
    private static NpgsqlBatchCommand ProducerRows((Guid TopicId, int Partition, ProducerEntry Entry)[] rows) => CommitReads.Command("""
        INSERT INTO producer_state AS s (topic_id, partition, producer_id, epoch, coordinator_epoch, last_timestamp, txn_first_offset,
                                         first_seqs, last_seqs, base_offsets, last_offsets, timestamps)
        SELECT t, n, pid, e, ce, lt, tf, fs::integer[], ls::integer[], bo::bigint[], lo::bigint[], ts::bigint[]
        FROM unnest($1::uuid[], $2::integer[], $3::bigint[], $4::smallint[], $5::integer[], $6::bigint[], $7::bigint[],
                    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
            AS u(t, n, pid, e, ce, lt, tf, fs, ls, bo, lo, ts)
        ON CONFLICT (topic_id, partition, producer_id) DO UPDATE SET
            epoch = excluded.epoch, coordinator_epoch = excluded.coordinator_epoch, last_timestamp = excluded.last_timestamp,
            txn_first_offset = excluded.txn_first_offset, first_seqs = excluded.first_seqs, last_seqs = excluded.last_seqs,
            base_offsets = excluded.base_offsets, last_offsets = excluded.last_offsets, timestamps = excluded.timestamps
        """,
        rows.Select(r => r.TopicId).ToArray(), rows.Select(r => r.Partition).ToArray(), rows.Select(r => r.Entry.ProducerId).ToArray(),
        rows.Select(r => r.Entry.Epoch).ToArray(), rows.Select(r => r.Entry.CoordinatorEpoch).ToArray(),
        rows.Select(r => r.Entry.LastTimestamp).ToArray(), rows.Select(r => r.Entry.CurrentTxnFirstOffset).ToArray(),
        rows.Select(r => Literal(r.Entry.Batches.Select(b => (long)b.FirstSequence))).ToArray(),
        rows.Select(r => Literal(r.Entry.Batches.Select(b => (long)b.LastSequence))).ToArray(),
        rows.Select(r => Literal(r.Entry.Batches.Select(b => b.FirstOffset))).ToArray(),
        rows.Select(r => Literal(r.Entry.Batches.Select(b => b.LastOffset))).ToArray(),
        rows.Select(r => Literal(r.Entry.Batches.Select(b => b.Timestamp))).ToArray());

    private static string Literal(IEnumerable<long> values) => "{" + string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "}";
}
