using System.Diagnostics;
using Chronik.Cluster.Metadata;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Tests.Metadata;
using Xunit.Abstractions;

namespace Chronik.Cluster.Tests;

/// <summary>Two stores on one database, as two brokers of a cluster: each sees the other's appends, in one order.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMetadataSharingTests(PostgresFixture pg, ITestOutputHelper output) : IDisposable
{
    private readonly string _db = pg.NewDatabase();
    private readonly List<IMetadataStore> _open = [];

    private PostgresMetadataStore Open(MetadataStoreOptions? options = null)
    {
        var s = PostgresMetadataStore.Open(_db, options);
        _open.Add(s);
        return s;
    }

    private static void WaitFor(Func<bool> condition, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < within, $"not seen within {within.TotalMilliseconds} ms");
            Thread.Sleep(5);
        }
    }

    [Fact]
    public void An_append_on_one_store_reaches_the_other_stores_participant_within_a_second()
    {
        var a = Open();
        var b = Open();
        var onB = new LevelsParticipant();
        b.Register(onB);
        var sw = Stopwatch.StartNew();
        Assert.Equal(0, a.Append([LevelsParticipant.Level("x", 1)]));
        WaitFor(() => onB.Levels.GetValueOrDefault("x") == 1, TimeSpan.FromSeconds(1));
        var latency = sw.Elapsed;
        Assert.Equal(1, b.NextOffset);
        // And back: b's next append gets the next offset, and a's participant sees it too.
        var onA = new LevelsParticipant();
        a.Register(onA);
        Assert.Equal(1, b.Append([LevelsParticipant.Level("x", 2)]));
        WaitFor(() => onA.Levels.GetValueOrDefault("x") == 2, TimeSpan.FromSeconds(1));
        output.WriteLine($"append on a, applied on b after {latency.TotalMilliseconds:0.0} ms");
        Assert.True(latency < TimeSpan.FromSeconds(1), $"seen after {latency.TotalMilliseconds} ms");
    }

    [Fact]
    public void Concurrent_appends_through_two_stores_get_one_gap_free_order_that_both_apply()
    {
        var a = Open(new MetadataStoreOptions { SnapshotAfterBytes = 4096 });
        var b = Open(new MetadataStoreOptions { SnapshotAfterBytes = 4096 });
        var seenA = new NamesParticipant();
        var seenB = new NamesParticipant();
        a.Register(seenA);
        b.Register(seenB);
        const int PerThread = 100;
        var offsets = new List<long>[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var store = t % 2 == 0 ? a : b;
            offsets[t] = [];
            for (int i = 0; i < PerThread; i++) offsets[t].Add(store.Append([LevelsParticipant.Level($"t{t}-{i}", 1)]));
        });
        Assert.Equal(Enumerable.Range(0, 4 * PerThread).Select(i => (long)i), offsets.SelectMany(o => o).Order());
        WaitFor(() => seenA.Count == 4 * PerThread && seenB.Count == 4 * PerThread, TimeSpan.FromSeconds(5));
        Assert.Equal(seenA.Names(), seenB.Names());
        // Each thread's appends appear in its own order, at the offsets it was given.
        var names = seenA.Names();
        for (int t = 0; t < 4; t++)
        {
            for (int i = 0; i < PerThread; i++) Assert.Equal($"t{t}-{i}", names[(int)offsets[t][i]]);
        }
    }

    [Fact]
    public void A_store_opened_later_replays_a_snapshot_another_store_took()
    {
        var a = Open();
        var onA = new LevelsParticipant();
        a.Register(onA);
        for (short i = 0; i < 20; i++) a.Append([LevelsParticipant.Level("k" + (i % 3), i)]);
        a.TakeSnapshot();
        a.Append([LevelsParticipant.Level("after", 1)]);
        var b = Open();
        var onB = new LevelsParticipant();
        b.Register(onB);
        Assert.Equal(onA.Levels.OrderBy(kv => kv.Key), onB.Levels.OrderBy(kv => kv.Key));
        Assert.Equal([4], onB.Batches); // one replay: the snapshot's 3 levels (not the 20 records), then the one after it
    }

    [Fact]
    public void A_participant_registering_while_the_other_store_appends_misses_nothing_and_sees_nothing_twice()
    {
        var a = Open();
        var b = Open();
        using var stop = new CancellationTokenSource();
        int appended = 0;
        var writer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested && appended < 2000)
            {
                a.Append([LevelsParticipant.Level("n" + appended, 1)]);
                Interlocked.Increment(ref appended);
            }
        });
        writer.Start();
        Thread.Sleep(100);
        var late = new NamesParticipant();
        b.Register(late);
        Thread.Sleep(200);
        stop.Cancel();
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)));
        WaitFor(() => late.Count == Volatile.Read(ref appended), TimeSpan.FromSeconds(2));
        Assert.Equal(Enumerable.Range(0, appended).Select(i => "n" + i), late.Names());
    }

    [Fact]
    public void Snapshots_past_the_retention_prune_the_log_they_cover_and_a_new_store_still_replays_everything()
    {
        var pgOptions = new PostgresMetadataStoreOptions { Retention = TimeSpan.Zero };
        var a = PostgresMetadataStore.Open(_db, null, pgOptions);
        _open.Add(a);
        var onA = new LevelsParticipant();
        a.Register(onA);
        for (short i = 0; i < 30; i++) a.Append([LevelsParticipant.Level("k" + (i % 4), i)]);
        a.TakeSnapshot();
        for (short i = 0; i < 5; i++) a.Append([LevelsParticipant.Level("late" + i, i)]);
        a.TakeSnapshot();
        a.Append([LevelsParticipant.Level("last", 1)]);
        using (var ds = Npgsql.NpgsqlDataSource.Create(_db))
        {
            using var cmd = ds.CreateCommand("SELECT (SELECT count(*) FROM metadata_log), (SELECT count(*) FROM metadata_snapshots)");
            using var reader = cmd.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1))); // only the row after the latest snapshot, and that snapshot
        }
        var b = Open();
        var onB = new LevelsParticipant();
        b.Register(onB);
        Assert.Equal(onA.Levels.OrderBy(kv => kv.Key), onB.Levels.OrderBy(kv => kv.Key));
        Assert.Equal(36, b.NextOffset);
    }

    public void Dispose()
    {
        foreach (var s in _open) s.Dispose();
    }

    /// <summary>Keeps every FeatureLevelRecord name in the order it was applied.</summary>
    private sealed class NamesParticipant : IMetadataParticipant
    {
        private readonly List<string> _names = [];

        public int Count
        {
            get { lock (_names) return _names.Count; }
        }

        public List<string> Names()
        {
            lock (_names) return [.. _names];
        }

        public bool Owns(short recordType) => recordType == Chronik.Protocol.Records.Metadata.MetadataRecordTypes.FeatureLevelRecord;

        public void Apply(IReadOnlyList<MetadataRecord> records)
        {
            lock (_names)
            {
                foreach (var r in records) _names.Add(((Chronik.Protocol.Records.Metadata.FeatureLevelRecord)r.Message).Name);
            }
        }

        public IEnumerable<MetadataRecord> SnapshotRecords()
        {
            lock (_names) return [.. _names.Select(n => LevelsParticipant.Level(n, 1))];
        }
    }
}
