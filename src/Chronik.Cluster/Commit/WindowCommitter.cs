using Chronik.Cluster.Schema;
using Chronik.Protocol.Messages;
using Npgsql;

namespace Chronik.Cluster.Commit;

/// <summary>How a <see cref="WindowCommitter"/> retries a commit whose connection failed or whose outcome is unknown.</summary>
public sealed record WindowCommitterOptions
{
    /// <summary>Attempts per window before <see cref="WindowCommitUnavailableException"/>.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The first pause between attempts; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Commits a commit window in ONE PostgreSQL transaction of two round trips. The first inserts the partitions rows
/// it lacks, locks every partition of the window in one fixed order (topic id, then partition: no two committers
/// can deadlock), reads the object row (a commit retried after an unknown outcome finds its own answers there), the
/// log append time and the producers' state. Offsets and the idempotence checks are then decided in memory
/// (<see cref="PartitionAssignment"/>); the second inserts the object row with the per-batch answers, advances the
/// high watermarks, inserts the index rows, writes the producers' state and commits. A refused batch fails alone.
/// Lost connections and transient failures are retried with the whole window: the retry either finds it committed
/// (the stored answers) or commits it, never twice.
/// </summary>
public sealed class WindowCommitter
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly WindowCommitterOptions _options;

    /// <summary>Migrates the schema if needed.</summary>
    public WindowCommitter(NpgsqlDataSource dataSource, WindowCommitterOptions? options = null)
    {
        _dataSource = dataSource;
        _options = options ?? new WindowCommitterOptions();
        ClusterSchema.Migrate(dataSource);
    }

    /// <summary>
    /// Commits <paramref name="window"/> (whose object is already stored) and returns each batch's answer. Throws
    /// <see cref="WindowCommitRefusedException"/> when the orphan cleaner claimed the object first, and
    /// <see cref="WindowCommitUnavailableException"/> when no attempt reached a known outcome.
    /// </summary>
    public async Task<WindowCommitResult> CommitAsync(CommitWindow window, CancellationToken cancellationToken = default)
    {
        Validate(window);
        var backoff = _options.InitialBackoff;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await AttemptAsync(window, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (IsRetryable(e) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _options.MaxAttempts)
                {
                    throw new WindowCommitUnavailableException(
                        $"the commit of {window.ObjectKey} reached no known outcome in {attempt} attempts: {e.Message}", e);
                }
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    // A PostgresException is an answer from the server (the transaction rolled back): only serialization failures,
    // deadlocks and shutdowns are worth a retry. Anything else from Npgsql (I/O, timeouts) left the outcome unknown.
    private static bool IsRetryable(NpgsqlException e) => e is PostgresException pe ? pe.IsTransient : true;

    private async Task<WindowCommitResult> AttemptAsync(CommitWindow window, CancellationToken ct)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var read = await CommitReads.RunAsync(conn, window, ct).ConfigureAwait(false);
        if (read.Stored is { } stored)
        {
            await Rollback(conn, ct).ConfigureAwait(false);
            return Replay(window, stored, read.Partitions);
        }
        var assignments = new PartitionAssignment[window.Partitions.Count];
        for (int i = 0; i < assignments.Length; i++)
        {
            var p = window.Partitions[i];
            var row = read.Partitions[(p.TopicId, p.Partition)];
            assignments[i] = PartitionAssignment.Run(row, p.Batches, read.ProducersOf(p.TopicId, p.Partition), read.AppendTime);
        }
        try
        {
            await CommitWrites.RunAsync(conn, window, assignments, read.AppendTime, ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "objects_pkey")
        {
            // Another committer of the same key (or the orphan cleaner) got there first: its row decides.
            await Rollback(conn, ct).ConfigureAwait(false);
            var again = await CommitReads.StoredAsync(conn, window.ObjectKey, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"object {window.ObjectKey} conflicted but has no row");
            return Replay(window, again, read.Partitions);
        }
        var partitions = new PartitionCommitResult[assignments.Length];
        for (int i = 0; i < assignments.Length; i++)
        {
            var a = assignments[i];
            partitions[i] = new PartitionCommitResult(a.Row.TopicId, a.Row.Partition, a.Row.LogStartOffset, a.Row.HighWatermark, a.Results);
        }
        return new WindowCommitResult(read.AppendTime, false, partitions);
    }

    private static WindowCommitResult Replay(CommitWindow window, StoredResults stored, Dictionary<(Guid, int), PartitionRow> rows)
    {
        if (!stored.Committed)
        {
            throw new WindowCommitRefusedException(
                $"object {window.ObjectKey} was claimed as an orphan (uncommitted past the grace period) and may be deleted: its batches were not committed");
        }
        if (stored.Errors.Length != window.BatchCount)
        {
            throw new InvalidOperationException(
                $"object {window.ObjectKey} was committed with {stored.Errors.Length} batches, this window has {window.BatchCount}");
        }
        var partitions = new PartitionCommitResult[window.Partitions.Count];
        int k = 0;
        for (int i = 0; i < partitions.Length; i++)
        {
            var p = window.Partitions[i];
            var results = new BatchCommitResult[p.Batches.Count];
            for (int j = 0; j < results.Length; j++, k++)
            {
                var error = (ErrorCode)stored.Errors[k];
                long baseOffset = stored.Offsets[k];
                results[j] = error == ErrorCode.None
                    ? new BatchCommitResult(error, baseOffset, baseOffset + p.Batches[j].LastOffsetDelta, false)
                    : BatchCommitResult.Refused(error);
            }
            var row = rows.TryGetValue((p.TopicId, p.Partition), out var r) ? r : new PartitionRow(p.TopicId, p.Partition, 0, 0, -1);
            partitions[i] = new PartitionCommitResult(p.TopicId, p.Partition, row.LogStartOffset, row.HighWatermark, results);
        }
        return new WindowCommitResult(stored.AppendTime, true, partitions);
    }

    private static async Task Rollback(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("ROLLBACK", conn);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static void Validate(CommitWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (string.IsNullOrEmpty(window.ObjectKey)) throw new ArgumentException("the window names no object", nameof(window));
        if (window.Partitions.Count == 0) throw new ArgumentException("the window holds no partition", nameof(window));
        var seen = new HashSet<(Guid, int)>();
        foreach (var p in window.Partitions)
        {
            if (p.Partition < 0) throw new ArgumentException($"partition {p.Partition} is negative", nameof(window));
            if (!seen.Add((p.TopicId, p.Partition))) throw new ArgumentException($"{p.TopicId}-{p.Partition} appears twice in the window", nameof(window));
            if (p.Batches.Count == 0) throw new ArgumentException($"{p.TopicId}-{p.Partition} has no batch", nameof(window));
            foreach (var b in p.Batches)
            {
                if (b.LastOffsetDelta < 0 || b.Size <= 0 || b.Position < 0 || b.Position + b.Size > window.ObjectSize)
                {
                    throw new ArgumentException($"a batch of {p.TopicId}-{p.Partition} is malformed or outside the object", nameof(window));
                }
            }
        }
    }
}
