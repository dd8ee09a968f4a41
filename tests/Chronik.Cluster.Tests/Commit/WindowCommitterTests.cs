using Chronik.Cluster.Commit;
using Chronik.Protocol.Messages;
using Npgsql;
using static Chronik.Cluster.Tests.Commit.TestWindows;

namespace Chronik.Cluster.Tests.Commit;

/// <summary>The commit transaction on a real PostgreSQL: offsets, idempotence, per-batch refusals, stored answers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WindowCommitterTests(PostgresFixture pg) : IDisposable
{
    private readonly string _db = pg.NewDatabase();
    private NpgsqlDataSource? _ds;
    private NpgsqlDataSource Ds => _ds ??= NpgsqlDataSource.Create(_db);

    [Fact]
    public async Task Offsets_follow_the_high_watermark_and_every_accepted_batch_gets_an_index_row()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        var first = await committer.CommitAsync(Window((t, 0, [Plain(3), Plain(1)]), (t, 1, [Plain(5)])));
        Assert.False(first.Replayed);
        Assert.True(first.LogAppendTime > 1_600_000_000_000);
        Assert.Equal([(0L, 2L), (3L, 3L)], first.Partitions[0].Batches.Select(b => (b.BaseOffset, b.LastOffset)));
        Assert.Equal(4, first.Partitions[0].HighWatermark);
        Assert.Equal([(0L, 4L)], first.Partitions[1].Batches.Select(b => (b.BaseOffset, b.LastOffset)));
        var second = await committer.CommitAsync(Window((t, 1, [Plain(2)]), (t, 0, [Plain(2)])));
        Assert.Equal(5, second.Partitions[0].Batches[0].BaseOffset);
        Assert.Equal(4, second.Partitions[1].Batches[0].BaseOffset);
        Assert.True(second.LogAppendTime >= first.LogAppendTime);
        Assert.Equal(3, await Count("SELECT count(*) FROM batches WHERE partition = 0"));
        Assert.Equal(2, await Count("SELECT count(*) FROM objects WHERE committed_at IS NOT NULL"));
    }

    [Fact]
    public async Task Offsets_stay_contiguous_per_partition_across_many_windows_from_concurrent_committers()
    {
        const int committers = 4, windowsEach = 25, partitions = 6;
        var topic = Guid.NewGuid();
        var sources = Enumerable.Range(0, committers).Select(_ => NpgsqlDataSource.Create(_db)).ToArray();
        try
        {
            var answers = new System.Collections.Concurrent.ConcurrentBag<(int Partition, long Base, long Last, string Key)>();
            await Task.WhenAll(sources.Select((ds, c) => Task.Run(async () =>
            {
                var committer = new WindowCommitter(ds);
                var random = new Random(c);
                for (int w = 0; w < windowsEach; w++)
                {
                    // Each window takes a random subset of partitions in a random order (the commit sorts its locks).
                    var chosen = Enumerable.Range(0, partitions).Where(_ => random.Next(2) == 0).OrderBy(_ => random.Next()).ToList();
                    if (chosen.Count == 0) chosen.Add(random.Next(partitions));
                    var window = Window(chosen.Select(p => (topic, p, Enumerable.Range(0, random.Next(1, 4)).Select(_ => Plain(random.Next(1, 20))).ToArray())).ToArray());
                    var result = await committer.CommitAsync(window);
                    foreach (var part in result.Partitions)
                    {
                        foreach (var b in part.Batches)
                        {
                            Assert.Equal(ErrorCode.None, b.Error);
                            answers.Add((part.Partition, b.BaseOffset, b.LastOffset, window.ObjectKey));
                        }
                    }
                }
            })));
            var index = new BatchIndex(Ds);
            for (int p = 0; p < partitions; p++)
            {
                var mine = answers.Where(a => a.Partition == p).OrderBy(a => a.Base).ToList();
                long next = 0;
                foreach (var a in mine)
                {
                    Assert.Equal(next, a.Base);
                    next = a.Last + 1;
                }
                var offsets = await index.OffsetsAsync(topic, p);
                Assert.Equal(next, offsets?.HighWatermark ?? 0);
                var rows = await Rows($"SELECT base_offset, last_offset, object_key FROM batches WHERE partition = {p} ORDER BY base_offset");
                Assert.Equal(mine.Select(a => (a.Base, a.Last, a.Key)), rows);
            }
        }
        finally
        {
            foreach (var ds in sources) await ds.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_retried_batch_is_answered_with_its_original_offsets_and_gets_no_new_row()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        var first = await committer.CommitAsync(Window((t, 0, [Idempotent(7, 0, 0, 5), Idempotent(7, 0, 5, 5)])));
        Assert.Equal([0L, 5L], first.Partitions[0].Batches.Select(b => b.BaseOffset));
        await committer.CommitAsync(Window((t, 0, [Plain(2)])));
        // The producer retries its first batch in a later window, next to a new one.
        var retry = await committer.CommitAsync(Window((t, 0, [Idempotent(7, 0, 0, 5), Idempotent(7, 0, 10, 3)])));
        var dup = retry.Partitions[0].Batches[0];
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 0, 4, true), dup);
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 12, 14, false), retry.Partitions[0].Batches[1]);
        Assert.Equal(15, retry.Partitions[0].HighWatermark);
        Assert.Equal(4, await Count("SELECT count(*) FROM batches"));
        // A batch repeated within one window is a duplicate of the first copy.
        var twice = await committer.CommitAsync(Window((t, 0, [Idempotent(7, 0, 13, 1), Idempotent(7, 0, 13, 1)])));
        Assert.Equal([(15L, false), (15L, true)], twice.Partitions[0].Batches.Select(b => (b.BaseOffset, b.Duplicate)));
        Assert.Equal("{0,5,10,13}", await Text("SELECT first_seqs::text FROM producer_state WHERE producer_id = 7"));
    }

    [Fact]
    public async Task Only_the_last_five_batches_are_remembered_as_in_Kafka()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        for (int s = 0; s < 6; s++) await committer.CommitAsync(Window((t, 0, [Idempotent(9, 2, s, 1)])));
        var r = await committer.CommitAsync(Window((t, 0, [Idempotent(9, 2, 1, 1), Idempotent(9, 2, 0, 1)])));
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 1, 1, true), r.Partitions[0].Batches[0]);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, r.Partitions[0].Batches[1].Error);
    }

    [Fact]
    public async Task A_sequence_gap_and_a_fenced_epoch_are_refused_without_failing_the_rest_of_the_window()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        await committer.CommitAsync(Window((t, 0, [Idempotent(1, 0, 0, 10)]), (t, 1, [Idempotent(2, 3, 0, 1)])));
        var r = await committer.CommitAsync(Window(
            (t, 0, [Idempotent(1, 0, 15, 1), Plain(2), Idempotent(1, 0, 10, 1)]),
            (t, 1, [Idempotent(2, 2, 1, 1), Idempotent(2, 3, 1, 1), Idempotent(2, 2, 2, 1, transactional: true)]),
            (t, 2, [Plain(4)])));
        var p0 = r.Partitions[0].Batches;
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, p0[0].Error);
        Assert.Equal(-1, p0[0].BaseOffset);
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 10, 11, false), p0[1]);
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 12, 12, false), p0[2]);
        var p1 = r.Partitions[1].Batches;
        // An older epoch is INVALID_PRODUCER_EPOCH, transactional or not; the produce handler maps it to PRODUCER_FENCED
        // for transactional batches below Produce v12, as the single-node broker does.
        Assert.Equal(ErrorCode.InvalidProducerEpoch, p1[0].Error);
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 1, 1, false), p1[1]);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, p1[2].Error);
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 0, 3, false), r.Partitions[2].Batches[0]);
        Assert.Equal(13, r.Partitions[0].HighWatermark);
        Assert.Equal(2, r.Partitions[1].HighWatermark);
        Assert.Equal(6, await Count("SELECT count(*) FROM batches"));
    }

    [Fact]
    public async Task A_new_epoch_must_start_at_sequence_zero_and_then_forgets_the_old_batches()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        await committer.CommitAsync(Window((t, 0, [Idempotent(4, 0, 0, 3)])));
        var r = await committer.CommitAsync(Window((t, 0, [Idempotent(4, 1, 3, 1), Idempotent(4, 1, 0, 2), Idempotent(4, 0, 3, 1)])));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, r.Partitions[0].Batches[0].Error);
        Assert.Equal(new BatchCommitResult(ErrorCode.None, 3, 4, false), r.Partitions[0].Batches[1]);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, r.Partitions[0].Batches[2].Error);
        Assert.Equal(1, await Count("SELECT epoch FROM producer_state WHERE producer_id = 4"));
        Assert.Equal("{0}", await Text("SELECT first_seqs::text FROM producer_state WHERE producer_id = 4"));
    }

    [Fact]
    public async Task A_window_committed_again_is_answered_from_its_stored_results()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        await committer.CommitAsync(Window((t, 0, [Plain(2)])));
        var window = Window((t, 0, [Plain(3), Idempotent(5, 0, 0, 1)]), (t, 1, [Idempotent(5, 0, 7, 1)]));
        var first = await committer.CommitAsync(window);
        var again = await new WindowCommitter(Ds).CommitAsync(window);
        Assert.True(again.Replayed);
        Assert.Equal(first.LogAppendTime, again.LogAppendTime);
        Assert.Equal(Answers(first), Answers(again));
        Assert.Equal(first.Partitions.Select(p => p.HighWatermark), again.Partitions.Select(p => p.HighWatermark));
        Assert.Equal(4, await Count("SELECT count(*) FROM batches"));
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_after_COMMIT_is_retried_and_answered_once()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        await committer.CommitAsync(Window((t, 0, [Plain(2)])));
        await using var proxy = new PostgresCutProxy(new NpgsqlConnectionStringBuilder(_db).Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(_db) { Port = proxy.Port, Pooling = false }.ConnectionString;
        await using var proxied = NpgsqlDataSource.Create(viaProxy);
        var cutting = new WindowCommitter(proxied, new WindowCommitterOptions { InitialBackoff = TimeSpan.FromMilliseconds(20) });
        proxy.CutAfterNextCommit();
        var window = Window((t, 0, [Idempotent(3, 0, 0, 4)]), (t, 1, [Plain(1)]));
        var result = await cutting.CommitAsync(window);
        Assert.Equal(1, proxy.Cuts);
        Assert.True(result.Replayed);
        Assert.Equal([2L, 0L], result.Partitions.Select(p => p.Batches[0].BaseOffset));
        Assert.Equal(6, result.Partitions[0].HighWatermark);
        Assert.Equal(3, await Count("SELECT count(*) FROM batches"));
        // The producer's own retry of that batch is a duplicate.
        var dup = await committer.CommitAsync(Window((t, 0, [Idempotent(3, 0, 0, 4)])));
        Assert.True(dup.Partitions[0].Batches[0].Duplicate);
        Assert.Equal(2, dup.Partitions[0].Batches[0].BaseOffset);
    }

    [Fact]
    public async Task Without_a_database_the_commit_gives_up_after_its_attempts()
    {
        await using var proxy = new PostgresCutProxy(new NpgsqlConnectionStringBuilder(_db).Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(_db) { Port = proxy.Port, Pooling = false, Timeout = 2 }.ConnectionString;
        await using var proxied = NpgsqlDataSource.Create(viaProxy);
        var committer = new WindowCommitter(proxied, new WindowCommitterOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(10) });
        proxy.RefuseAll();
        var e = await Assert.ThrowsAsync<WindowCommitUnavailableException>(() => committer.CommitAsync(Window((Guid.NewGuid(), 0, [Plain(1)]))));
        Assert.Contains("3 attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await Count("SELECT count(*) FROM objects"));
    }

    [Fact]
    public async Task Malformed_windows_are_refused_before_any_transaction()
    {
        var committer = new WindowCommitter(Ds);
        var t = Guid.NewGuid();
        await Assert.ThrowsAsync<ArgumentException>(() => committer.CommitAsync(Window((t, 0, [Plain(1)]), (t, 0, [Plain(1)]))));
        await Assert.ThrowsAsync<ArgumentException>(() => committer.CommitAsync(Window((t, 0, []))));
        await Assert.ThrowsAsync<ArgumentException>(() => committer.CommitAsync(Window(NewKey())));
        Assert.Equal(0, await Count("SELECT count(*) FROM objects"));
    }

    private static List<(ErrorCode, long, long)> Answers(WindowCommitResult r) =>
        r.Partitions.SelectMany(p => p.Batches.Select(b => (b.Error, b.BaseOffset, b.LastOffset))).ToList();

    private async Task<long> Count(string sql)
    {
        await using var cmd = Ds.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<string?> Text(string sql)
    {
        await using var cmd = Ds.CreateCommand(sql);
        return (string?)await cmd.ExecuteScalarAsync();
    }

    private async Task<List<(long, long, string)>> Rows(string sql)
    {
        await using var cmd = Ds.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(long, long, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        return rows;
    }

    public void Dispose() => _ds?.Dispose();
}
