using Chronik.Cluster.Schema;
using Chronik.Coordination.Metadata;
using Npgsql;

namespace Chronik.Cluster.Metadata;

/// <summary>Tuning of the PostgreSQL metadata store beyond <see cref="MetadataStoreOptions"/>.</summary>
public sealed class PostgresMetadataStoreOptions
{
    /// <summary>How often the store looks for other brokers' batches when no notification came (NOTIFY normally wakes it at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long log rows and older snapshots outlive the snapshot that covers them (a broker further behind fails its store).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The metadata log in PostgreSQL, shared by every broker of a cluster. An append is one statement (so one
/// transaction): it advances the single metadata_head row, whose row lock orders the appends of all brokers, so
/// offsets are gap-free and commit in offset order; it inserts the batch row and NOTIFYs the channel. Every store
/// then applies the rows in offset order: the appending thread applies the rows up to and including its own before
/// Append returns; a listener thread (LISTEN plus a poll as fallback) applies other brokers' rows within
/// milliseconds. A thread never applies a batch this store is still appending on another thread, so a participant
/// holding its own lock across Append never meets its own batch on a foreign thread (it waits for that thread
/// instead). Snapshots are rows of metadata_snapshots, written by whichever broker crosses the size threshold; log
/// rows and older snapshots are pruned only after <see cref="PostgresMetadataStoreOptions.Retention"/>.
/// Lock order: _applyLock, then _inFlight.
/// </summary>
public sealed partial class PostgresMetadataStore : IMetadataStore
{
    /// <summary>The NOTIFY channel; the payload is the end offset of the appended batch.</summary>
    public const string Channel = "chronik_metadata";

    private const int ReadChunk = 1000;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly MetadataStoreOptions _options;
    private readonly PostgresMetadataStoreOptions _pgOptions;
    private readonly Guid _writer = Guid.NewGuid();
    private readonly object _applyLock = new();
    private readonly HashSet<long> _inFlight = [];
    private readonly MetadataParticipants _participants = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _listener;
    private long _applied;
    private long _bytesSinceSnapshot;
    private long _nextWriterSeq;
    private Exception? _failure;
    private volatile bool _disposed;

    private PostgresMetadataStore(NpgsqlDataSource dataSource, bool ownsDataSource, MetadataStoreOptions? options, PostgresMetadataStoreOptions? pgOptions)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _options = options ?? new MetadataStoreOptions();
        _pgOptions = pgOptions ?? new PostgresMetadataStoreOptions();
        try
        {
            ClusterSchema.Migrate(dataSource);
            using var conn = dataSource.OpenConnection();
            _applied = ReadHead(conn, null);
        }
        catch
        {
            if (ownsDataSource) dataSource.Dispose();
            throw;
        }
        _listener = new Thread(Listen) { IsBackground = true, Name = "chronik-metadata-listener" };
        _listener.Start();
    }

    /// <summary>Opens the store on <paramref name="connectionString"/> (creating and migrating the schema); the store owns its connection pool.</summary>
    public static PostgresMetadataStore Open(string connectionString, MetadataStoreOptions? options = null, PostgresMetadataStoreOptions? pgOptions = null) =>
        new(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, options, pgOptions);

    /// <summary>Opens the store on a pool the caller owns and disposes.</summary>
    public static PostgresMetadataStore Open(NpgsqlDataSource dataSource, MetadataStoreOptions? options = null, PostgresMetadataStoreOptions? pgOptions = null) =>
        new(dataSource, ownsDataSource: false, options, pgOptions);

    /// <summary>The offset after the last batch this store has applied: exact after its own Append, otherwise at most one poll behind.</summary>
    public long NextOffset => Volatile.Read(ref _applied);

    /// <summary>What stopped the listener last (a lost connection it retries, or the failure that made the store unusable), or null.</summary>
    public Exception? LastListenerError { get; private set; }

    public long Append(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) throw new ArgumentException("an empty metadata batch", nameof(records));
        ThrowIfUnusable();
        byte[] batch = MetadataBatch.Encode(0, records);
        long seq = Interlocked.Increment(ref _nextWriterSeq);
        lock (_inFlight) _inFlight.Add(seq);
        try
        {
            long baseOffset;
            using (var conn = _dataSource.OpenConnection())
            {
                baseOffset = Insert(conn, batch, records.Count, seq);
            }
            lock (_applyLock)
            {
                CatchUpThrough(baseOffset + records.Count, seq);
                if (_bytesSinceSnapshot >= _options.SnapshotAfterBytes)
                {
                    using var conn = _dataSource.OpenConnection();
                    Snapshot(conn);
                }
            }
            return baseOffset;
        }
        finally
        {
            lock (_inFlight) _inFlight.Remove(seq);
            lock (_applyLock) Monitor.PulseAll(_applyLock);
        }
    }

    /// <summary>One statement: take the offsets, insert the row (its header carries the base offset), notify; returns the base offset.</summary>
    private long Insert(NpgsqlConnection conn, byte[] batch, int count, long seq)
    {
        using var cmd = new NpgsqlCommand("""
            WITH h AS (
                UPDATE metadata_head SET next_offset = next_offset + @n WHERE id = 1 RETURNING next_offset - @n AS base),
            i AS (
                INSERT INTO metadata_log (base_offset, record_count, batch, writer, writer_seq)
                SELECT h.base, @n, overlay(@batch placing int8send(h.base) from 1 for 8), @writer, @seq FROM h
                RETURNING base_offset)
            SELECT base_offset, pg_notify(@channel, (base_offset + @n)::text) FROM i
            """, conn);
        cmd.Parameters.AddWithValue("n", (long)count);
        cmd.Parameters.AddWithValue("batch", batch);
        cmd.Parameters.AddWithValue("writer", _writer);
        cmd.Parameters.AddWithValue("seq", seq);
        cmd.Parameters.AddWithValue("channel", Channel);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) throw new InvalidOperationException("the metadata_head row is missing");
        return reader.GetInt64(0);
    }

    public void Register(IMetadataParticipant participant)
    {
        ThrowIfUnusable();
        lock (_applyLock)
        {
            List<MetadataRecord> replay;
            using (var conn = _dataSource.OpenConnection())
            using (var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead))
            {
                // One view: the rows the others get now and the snapshot + log the newcomer replays meet at _applied.
                CatchUp(conn, tx, ownSeq: 0);
                replay = ReadAll(conn, tx, Volatile.Read(ref _applied), r => participant.Owns(r.Type));
                tx.Commit();
            }
            participant.Apply(replay);
            _participants.Add(participant);
        }
    }

    public void TakeSnapshot()
    {
        ThrowIfUnusable();
        lock (_applyLock)
        {
            using var conn = _dataSource.OpenConnection();
            CatchUp(conn, null, ownSeq: 0);
            Snapshot(conn);
        }
    }

    /// <summary>Applies rows (under _applyLock) until <paramref name="end"/> is reached, waiting for this store's other appenders' turns.</summary>
    private void CatchUpThrough(long end, long ownSeq)
    {
        using var conn = _dataSource.OpenConnection();
        while (Volatile.Read(ref _applied) < end)
        {
            ThrowIfUnusable();
            if (!CatchUp(conn, null, ownSeq) && Volatile.Read(ref _applied) < end)
            {
                // Stopped at another local appender's batch (or saw nothing yet): let it apply, then look again.
                Monitor.Wait(_applyLock, 50);
            }
        }
    }

    /// <summary>
    /// Applies the rows after _applied in order, stopping before a batch another thread of this store is still
    /// appending (that thread applies it); returns whether anything was applied. Called under _applyLock.
    /// </summary>
    private bool CatchUp(NpgsqlConnection conn, NpgsqlTransaction? tx, long ownSeq)
    {
        bool any = false;
        while (true)
        {
            long from = Volatile.Read(ref _applied);
            if (_participants.ToArray().Length == 0)
            {
                // Nobody to deliver to: a later participant replays these rows from the log itself.
                long head = ReadHead(conn, tx);
                if (head <= from) return any;
                Volatile.Write(ref _applied, head);
                Monitor.PulseAll(_applyLock);
                return true;
            }
            var rows = ReadRows(conn, tx, from, long.MaxValue, ReadChunk);
            foreach (var row in rows)
            {
                if (row.BaseOffset != Volatile.Read(ref _applied)) throw Fail(Gap(row.BaseOffset));
                if (row.Writer == _writer && row.WriterSeq != ownSeq && IsInFlight(row.WriterSeq)) return any;
                Volatile.Write(ref _applied, row.BaseOffset + row.Count);
                _bytesSinceSnapshot += row.Batch.Length;
                _participants.Dispatch(MetadataBatch.Decode(row.Batch));
                any = true;
                Monitor.PulseAll(_applyLock);
            }
            if (rows.Count < ReadChunk) return any;
        }
    }

    private bool IsInFlight(long seq)
    {
        lock (_inFlight) return _inFlight.Contains(seq);
    }

    private InvalidDataException Gap(long found) => new(
        $"the metadata log continues at offset {found} but this broker has applied up to {Volatile.Read(ref _applied)}: " +
        "it fell further behind than the retention, and must restart to replay the snapshot");

    private Exception Fail(Exception e)
    {
        _failure ??= e;
        return e;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is { } f) throw new IOException("the metadata store failed earlier and takes no more changes", f);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _listener.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        if (_ownsDataSource) _dataSource.Dispose();
    }
}
