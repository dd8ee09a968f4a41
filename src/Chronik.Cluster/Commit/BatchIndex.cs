using Chronik.Cluster.Schema;
using Npgsql;

namespace Chronik.Cluster.Commit;

/// <summary>One indexed batch: where its bytes are and the offsets it holds.</summary>
public readonly record struct IndexedBatch(string ObjectKey, long Position, int Size, long BaseOffset, long LastOffset, long MaxTimestamp);

/// <summary>A partition's offsets: the first offset still kept and the high watermark (the next offset to be assigned).</summary>
public readonly record struct PartitionOffsets(long LogStartOffset, long HighWatermark, long MaxTimestamp);

/// <summary>
/// What a fetch reads: the batches from the one holding the fetch offset on, in offset order, up to max bytes (but
/// always the first, as Kafka answers a batch larger than max bytes), and the partition's offsets from the same
/// snapshot. <see cref="Offsets"/> is null for a partition that was never committed to or created.
/// </summary>
public sealed record FetchLookup(PartitionOffsets? Offsets, IReadOnlyList<IndexedBatch> Batches);

/// <summary>
/// The read side of the batch index (the partitions and batches tables): fetch lookups, ListOffsets by timestamp and
/// the partitions' offsets; also creates partition rows explicitly (the commit creates the ones it lacks).
/// </summary>
public sealed class BatchIndex
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Migrates the schema if needed.</summary>
    public BatchIndex(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        ClusterSchema.Migrate(dataSource);
    }

    /// <summary>Rows are fetched at most this many per lookup; a fetch wanting more asks again from where it stopped.</summary>
    public int MaxBatchesPerLookup { get; init; } = 1000;

    /// <summary>Creates the partitions that have no row yet (log start and high watermark 0); returns how many it created.</summary>
    public async Task<int> CreatePartitionsAsync(IReadOnlyList<(Guid TopicId, int Partition)> partitions, CancellationToken cancellationToken = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO partitions (topic_id, partition)
            SELECT t, n FROM unnest($1::uuid[], $2::integer[]) AS u(t, n) ORDER BY t, n
            ON CONFLICT (topic_id, partition) DO NOTHING
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = partitions.Select(p => p.TopicId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = partitions.Select(p => p.Partition).ToArray() });
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The partition's offsets, or null when it has no row.</summary>
    public async Task<PartitionOffsets?> OffsetsAsync(Guid topicId, int partition, CancellationToken cancellationToken = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            "SELECT log_start_offset, high_watermark, max_timestamp FROM partitions WHERE topic_id = $1 AND partition = $2", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = topicId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = partition });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new PartitionOffsets(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2))
            : null;
    }

    /// <summary>
    /// The batches a fetch at <paramref name="fetchOffset"/> reads, up to <paramref name="maxBytes"/>: one statement (one
    /// snapshot) that finds the batch holding the offset through the primary key (the greatest base offset at or
    /// below it) and reads on from there. A fetch offset outside [log start, high watermark) returns no batches,
    /// and the caller answers OFFSET_OUT_OF_RANGE (or waits, at the high watermark) from <see cref="FetchLookup.Offsets"/>.
    /// </summary>
    public async Task<FetchLookup> FetchAsync(Guid topicId, int partition, long fetchOffset, int maxBytes, CancellationToken cancellationToken = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            WITH p AS (SELECT log_start_offset, high_watermark, max_timestamp FROM partitions WHERE topic_id = $1 AND partition = $2)
            SELECT p.log_start_offset, p.high_watermark, p.max_timestamp,
                   b.object_key, b.position, b.size, b.base_offset, b.last_offset, b.max_timestamp
            FROM p LEFT JOIN LATERAL (
                SELECT * FROM batches
                WHERE topic_id = $1 AND partition = $2 AND $3 >= p.log_start_offset AND $3 < p.high_watermark
                  AND base_offset >= (SELECT max(base_offset) FROM batches
                                      WHERE topic_id = $1 AND partition = $2 AND base_offset <= $3)
                ORDER BY base_offset
                LIMIT $4) b ON true
            ORDER BY b.base_offset
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = topicId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = partition });
        cmd.Parameters.Add(new NpgsqlParameter { Value = fetchOffset });
        cmd.Parameters.Add(new NpgsqlParameter { Value = MaxBatchesPerLookup });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        PartitionOffsets? offsets = null;
        var batches = new List<IndexedBatch>();
        long bytes = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            offsets ??= new PartitionOffsets(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            if (reader.IsDBNull(3)) break;
            var batch = new IndexedBatch(reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
            if (batches.Count > 0 && bytes + batch.Size > maxBytes) break;
            batches.Add(batch);
            bytes += batch.Size;
            if (bytes >= maxBytes) break;
        }
        return new FetchLookup(offsets, batches);
    }

    /// <summary>
    /// ListOffsets by timestamp: the first batch, at or after the log start, holding a record with a timestamp at or
    /// above <paramref name="timestamp"/> (its own max timestamp is), or null when none does. The caller reads the batch
    /// for the exact record, as Kafka reads its segment from the time index's position. The scan starts where the
    /// running maximum (timestamp_high, monotonic in offset like Kafka's time index) reaches the timestamp, so it is
    /// one index probe; it then checks each batch's own maximum, as Kafka does past the log start.
    /// </summary>
    public async Task<IndexedBatch?> FindByTimestampAsync(Guid topicId, int partition, long timestamp, CancellationToken cancellationToken = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            SELECT b.object_key, b.position, b.size, b.base_offset, b.last_offset, b.max_timestamp
            FROM batches b JOIN partitions p ON p.topic_id = b.topic_id AND p.partition = b.partition
            WHERE b.topic_id = $1 AND b.partition = $2 AND b.timestamp_high >= $3
              AND b.max_timestamp >= $3 AND b.last_offset >= p.log_start_offset
            ORDER BY b.timestamp_high, b.base_offset
            LIMIT 1
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = topicId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = partition });
        cmd.Parameters.Add(new NpgsqlParameter { Value = timestamp });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new IndexedBatch(reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }
}
