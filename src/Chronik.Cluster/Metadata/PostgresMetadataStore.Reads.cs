using Chronik.Coordination.Metadata;
using Npgsql;

namespace Chronik.Cluster.Metadata;

/// <summary>The store's reads, snapshots and listener.</summary>
public sealed partial class PostgresMetadataStore
{
    private readonly record struct LogRow(long BaseOffset, int Count, byte[] Batch, Guid Writer, long WriterSeq);

    private static long ReadHead(NpgsqlConnection conn, NpgsqlTransaction? tx)
    {
        using var cmd = new NpgsqlCommand("SELECT next_offset FROM metadata_head WHERE id = 1", conn, tx);
        return (long)(cmd.ExecuteScalar() ?? throw new InvalidOperationException("the metadata_head row is missing"));
    }

    private static List<LogRow> ReadRows(NpgsqlConnection conn, NpgsqlTransaction? tx, long from, long to, int limit)
    {
        using var cmd = new NpgsqlCommand("""
            SELECT base_offset, record_count, batch, writer, writer_seq FROM metadata_log
            WHERE base_offset >= @from AND base_offset < @to ORDER BY base_offset LIMIT @limit
            """, conn, tx);
        cmd.Parameters.AddWithValue("from", from);
        cmd.Parameters.AddWithValue("to", to);
        cmd.Parameters.AddWithValue("limit", (long)limit);
        var rows = new List<LogRow>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var batch = reader.GetFieldValue<byte[]>(2);
            if (MetadataBatch.TryRead(batch, out long b, out int count, out int length) != MetadataBatchRead.Ok ||
                b != reader.GetInt64(0) || count != reader.GetInt32(1) || length != batch.Length)
            {
                throw new InvalidDataException($"metadata_log row {reader.GetInt64(0)} holds a damaged batch");
            }
            rows.Add(new LogRow(b, count, batch, reader.GetGuid(3), reader.GetInt64(4)));
        }
        return rows;
    }

    /// <summary>Every record below <paramref name="end"/> that <paramref name="keep"/> accepts: the latest snapshot at or below it, then the log.</summary>
    private List<MetadataRecord> ReadAll(NpgsqlConnection conn, NpgsqlTransaction tx, long end, Func<MetadataRecord, bool> keep)
    {
        var records = new List<MetadataRecord>();
        long from = 0;
        using (var cmd = new NpgsqlCommand(
            "SELECT end_offset, batches FROM metadata_snapshots WHERE end_offset <= @end ORDER BY end_offset DESC LIMIT 1", conn, tx))
        {
            cmd.Parameters.AddWithValue("end", end);
            using var reader = cmd.ExecuteReader();
            if (reader.Read())
            {
                from = reader.GetInt64(0);
                byte[] bytes = reader.GetFieldValue<byte[]>(1);
                for (int pos = 0; pos < bytes.Length;)
                {
                    if (MetadataBatch.TryRead(bytes.AsSpan(pos), out _, out _, out int length) != MetadataBatchRead.Ok)
                    {
                        throw Fail(new InvalidDataException($"metadata snapshot {from}: corrupt at byte {pos}"));
                    }
                    Keep(bytes.AsMemory(pos, length));
                    pos += length;
                }
            }
        }
        long next = from;
        while (next < end)
        {
            var rows = ReadRows(conn, tx, next, end, ReadChunk);
            if (rows.Count == 0 || rows[0].BaseOffset != next) throw Fail(new InvalidDataException($"the metadata log lacks offset {next} (snapshot end {from}, wanted up to {end})"));
            foreach (var row in rows)
            {
                if (row.BaseOffset != next) throw Fail(new InvalidDataException($"the metadata log lacks offset {next}"));
                Keep(row.Batch);
                next += row.Count;
            }
        }
        return records;

        void Keep(ReadOnlyMemory<byte> batch)
        {
            foreach (var r in MetadataBatch.Decode(batch))
            {
                if (keep(r)) records.Add(r);
            }
        }
    }

    /// <summary>
    /// Writes a snapshot at _applied (under _applyLock, so between batches): the participants' state plus, verbatim,
    /// every record none of them owns; then prunes what a snapshot older than the retention covers.
    /// </summary>
    private void Snapshot(NpgsqlConnection conn)
    {
        long end = Volatile.Read(ref _applied);
        var participants = _participants.ToArray();
        List<MetadataRecord> records;
        using (var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead))
        {
            records = ReadAll(conn, tx, end, r => !participants.Any(p => p.OwnsRecord(r)));
            tx.Commit();
        }
        foreach (var p in participants) records.AddRange(p.SnapshotRecords());
        using var bytes = new MemoryStream();
        for (int i = 0; i < records.Count; i += 1000) bytes.Write(MetadataBatch.Encode(i, records.GetRange(i, Math.Min(1000, records.Count - i))));
        using (var batch = new NpgsqlBatch(conn))
        {
            var insert = new NpgsqlBatchCommand(
                "INSERT INTO metadata_snapshots (end_offset, batches) VALUES (@end, @batches) ON CONFLICT (end_offset) DO NOTHING");
            insert.Parameters.AddWithValue("end", end);
            insert.Parameters.AddWithValue("batches", bytes.ToArray());
            var dropSnapshots = new NpgsqlBatchCommand(
                "DELETE FROM metadata_snapshots WHERE end_offset < @end AND created_at < clock_timestamp() - @retention");
            dropSnapshots.Parameters.AddWithValue("end", end);
            dropSnapshots.Parameters.AddWithValue("retention", _pgOptions.Retention);
            // Rows every remaining snapshot covers, once they are older than the retention (a lagging broker still reads them).
            var dropLog = new NpgsqlBatchCommand("""
                DELETE FROM metadata_log WHERE base_offset < (SELECT min(end_offset) FROM metadata_snapshots)
                AND appended_at < clock_timestamp() - @retention
                """);
            dropLog.Parameters.AddWithValue("retention", _pgOptions.Retention);
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(dropSnapshots);
            batch.BatchCommands.Add(dropLog);
            batch.ExecuteNonQuery();
        }
        _bytesSinceSnapshot = 0;
    }

    /// <summary>
    /// LISTENs on <see cref="Channel"/> and applies what other brokers append: at each notification, and every
    /// <see cref="PostgresMetadataStoreOptions.PollInterval"/> in case one was missed. A lost connection is reopened.
    /// </summary>
    private void Listen()
    {
        var token = _stop.Token;
        int backoffMs = 100;
        while (!token.IsCancellationRequested && _failure is null)
        {
            try
            {
                using var conn = _dataSource.OpenConnection();
                using (var cmd = new NpgsqlCommand("LISTEN " + Channel, conn)) cmd.ExecuteNonQuery();
                backoffMs = 100;
                int waitMs = (int)Math.Max(1, _pgOptions.PollInterval.TotalMilliseconds);
                while (!token.IsCancellationRequested && _failure is null)
                {
                    lock (_applyLock) CatchUp(conn, null, ownSeq: 0);
                    // Waits in slices so that Dispose is seen; a notification ends the wait at once.
                    long deadline = Environment.TickCount64 + waitMs;
                    for (long left = waitMs; left > 0 && !token.IsCancellationRequested; left = deadline - Environment.TickCount64)
                    {
                        if (conn.Wait((int)Math.Min(left, 250))) break;
                    }
                }
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                LastListenerError = e;
                if (token.WaitHandle.WaitOne(backoffMs)) return;
                backoffMs = Math.Min(backoffMs * 2, 5000);
            }
            catch (Exception e)
            {
                // A gap or a participant that threw: the store's state can no longer be trusted.
                LastListenerError = e;
                Fail(e);
                return;
            }
        }
    }
}
