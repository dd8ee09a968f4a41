using Chronik.Storage;
using Npgsql;

namespace Chronik.Cluster.Commit;

/// <summary>The answers stored with a committed object, or an orphan claim (<see cref="Committed"/> false).</summary>
internal sealed record StoredResults(bool Committed, long AppendTime, short[] Errors, long[] Offsets);

/// <summary>
/// The commit's first round trip, one batch of statements: BEGIN, insert the partition rows that do not exist,
/// lock all of the window's rows in (topic id, partition) order, read the object row, the log append time
/// (PostgreSQL's clock, read after the locks so it never goes back within a partition) and the state of the
/// producers the window's batches name. The partition locks order every access to those producers' rows.
/// </summary>
internal sealed class CommitReads
{
    private readonly Dictionary<(Guid, int), List<ProducerSnapshotEntry>> _producers = [];

    public Dictionary<(Guid, int), PartitionRow> Partitions { get; } = [];
    public StoredResults? Stored { get; private set; }
    public long AppendTime { get; private set; }

    public IReadOnlyList<ProducerSnapshotEntry> ProducersOf(Guid topicId, int partition) =>
        _producers.TryGetValue((topicId, partition), out var list) ? list : [];

    public static async Task<CommitReads> RunAsync(NpgsqlConnection conn, CommitWindow window, CancellationToken ct)
    {
        var topics = window.Partitions.Select(p => p.TopicId).ToArray();
        var numbers = window.Partitions.Select(p => p.Partition).ToArray();
        var producerKeys = window.Partitions
            .SelectMany(p => p.Batches.Where(b => b.ProducerId >= 0).Select(b => (p.TopicId, p.Partition, b.ProducerId)))
            .Distinct().ToArray();
        await using var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(Command("""
            INSERT INTO partitions (topic_id, partition)
            SELECT t, n FROM unnest($1::uuid[], $2::integer[]) AS u(t, n) ORDER BY t, n
            ON CONFLICT (topic_id, partition) DO NOTHING
            """, topics, numbers));
        batch.BatchCommands.Add(Command("""
            SELECT p.topic_id, p.partition, p.log_start_offset, p.high_watermark, p.max_timestamp
            FROM partitions p JOIN unnest($1::uuid[], $2::integer[]) AS u(t, n) ON p.topic_id = u.t AND p.partition = u.n
            ORDER BY p.topic_id, p.partition
            FOR UPDATE OF p
            """, topics, numbers));
        batch.BatchCommands.Add(Command(StoredSql, window.ObjectKey));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"));
        batch.BatchCommands.Add(Command("""
            SELECT s.topic_id, s.partition, s.producer_id, s.epoch, s.coordinator_epoch, s.last_timestamp, s.txn_first_offset,
                   s.first_seqs, s.last_seqs, s.base_offsets, s.last_offsets, s.timestamps
            FROM producer_state s JOIN unnest($1::uuid[], $2::integer[], $3::bigint[]) AS u(t, n, pid)
                ON s.topic_id = u.t AND s.partition = u.n AND s.producer_id = u.pid
            """, producerKeys.Select(k => k.TopicId).ToArray(), producerKeys.Select(k => k.Partition).ToArray(),
            producerKeys.Select(k => k.ProducerId).ToArray()));

        var reads = new CommitReads();
        await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await NextRowsAsync(reader, advance: false, ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var row = new PartitionRow(reader.GetGuid(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            reads.Partitions[(row.TopicId, row.Partition)] = row;
        }
        await NextRowsAsync(reader, advance: true, ct).ConfigureAwait(false);
        reads.Stored = await ReadStoredAsync(reader, ct).ConfigureAwait(false);
        await NextRowsAsync(reader, advance: true, ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        reads.AppendTime = reader.GetInt64(0);
        await NextRowsAsync(reader, advance: true, ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var key = (reader.GetGuid(0), reader.GetInt32(1));
            var first = reader.GetFieldValue<int[]>(7);
            var last = reader.GetFieldValue<int[]>(8);
            var bases = reader.GetFieldValue<long[]>(9);
            var lasts = reader.GetFieldValue<long[]>(10);
            var times = reader.GetFieldValue<long[]>(11);
            var batches = new ProducerSnapshotBatch[first.Length];
            for (int i = 0; i < batches.Length; i++)
            {
                batches[i] = new ProducerSnapshotBatch(first[i], last[i], bases[i], checked((int)(lasts[i] - bases[i])), times[i]);
            }
            var entry = new ProducerSnapshotEntry(reader.GetInt64(2), reader.GetInt16(3), reader.GetInt32(4), reader.GetInt64(5), reader.GetInt64(6), batches);
            if (!reads._producers.TryGetValue(key, out var list)) reads._producers[key] = list = [];
            list.Add(entry);
        }
        if (reads.Partitions.Count != window.Partitions.Count)
        {
            throw new InvalidOperationException($"locked {reads.Partitions.Count} of the window's {window.Partitions.Count} partitions");
        }
        return reads;
    }

    private const string StoredSql = """
        SELECT committed_at IS NOT NULL, append_time, result_errors, result_offsets FROM objects WHERE object_key = $1
        """;

    /// <summary>The object's stored row on its own (outside a transaction), or null.</summary>
    public static async Task<StoredResults?> StoredAsync(NpgsqlConnection conn, string objectKey, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(StoredSql, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = objectKey });
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await ReadStoredAsync(reader, ct).ConfigureAwait(false);
    }

    private static async Task<StoredResults?> ReadStoredAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        if (!await reader.ReadAsync(ct).ConfigureAwait(false)) return null;
        if (!reader.GetBoolean(0)) return new StoredResults(false, -1, [], []);
        return new StoredResults(true, reader.GetInt64(1), reader.GetFieldValue<short[]>(2), reader.GetFieldValue<long[]>(3));
    }

    // Statements without a result (BEGIN, INSERT) may or may not show up as result sets: step to the next one that has columns.
    private static async Task NextRowsAsync(NpgsqlDataReader reader, bool advance, CancellationToken ct)
    {
        if (advance && !await reader.NextResultAsync(ct).ConfigureAwait(false)) throw TooFew();
        while (reader.FieldCount == 0)
        {
            if (!await reader.NextResultAsync(ct).ConfigureAwait(false)) throw TooFew();
        }
    }

    private static InvalidOperationException TooFew() => new("the commit's reads returned too few results");

    internal static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        return cmd;
    }
}
