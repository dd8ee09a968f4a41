using Chronik.Coordination.Metadata;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>
/// The behaviour every metadata store shares; each store runs it: MemoryMetadataStoreTests, LocalMetadataStoreTests
/// and (linked into tests/Chronik.Cluster.Tests) PostgresMetadataStoreTests.
/// </summary>
public abstract class MetadataStoreContract : IDisposable
{
    private readonly List<IMetadataStore> _open = [];

    /// <summary>Opens the store (again: a second call is a restart over what the first one wrote).</summary>
    protected abstract IMetadataStore OpenCore(MetadataStoreOptions options);

    protected IMetadataStore Open(MetadataStoreOptions? options = null)
    {
        var s = OpenCore(options ?? new MetadataStoreOptions());
        _open.Add(s);
        return s;
    }

    /// <summary>Closes the store as a clean stop would (the in-memory store keeps its data for the next open).</summary>
    protected static void Close(IMetadataStore s) => s.Dispose();

    [Fact]
    public void Appends_get_consecutive_offsets_and_a_new_participant_replays_them_in_one_call()
    {
        var s = Open();
        Assert.Equal(0, s.Append([LevelsParticipant.Level("a", 1), LevelsParticipant.Level("b", 1)]));
        Assert.Equal(2, s.Append([LevelsParticipant.Level("a", 2)]));
        Assert.Equal(3, s.NextOffset);
        var p = new LevelsParticipant();
        s.Register(p);
        Assert.Equal([3], p.Batches);
        Assert.Equal(2, p.Levels["a"]);
        Assert.Equal(1, p.Levels["b"]);
    }

    [Fact]
    public void A_registered_participant_gets_each_later_batch_with_only_its_own_record_types_before_append_returns()
    {
        var s = Open();
        var levels = new LevelsParticipant();
        var topics = new LevelsParticipant(MetadataRecordTypes.TopicRecord);
        s.Register(levels);
        s.Register(topics);
        s.Append([LevelsParticipant.Level("x", 3), MetadataRecord.Of(new TopicRecord { Name = "t", TopicId = Guid.NewGuid() })]);
        Assert.Equal(3, levels.Levels["x"]);
        Assert.Equal([0, 1], levels.Batches);
        Assert.Equal([0, 1], topics.Batches);
        Assert.IsType<TopicRecord>(topics.Seen.Single().Message);
        s.Append([LevelsParticipant.Level("y", 1)]);
        Assert.Equal([0, 1], topics.Batches);
    }

    [Fact]
    public void Reopening_replays_the_snapshot_and_then_the_log()
    {
        var s = Open();
        var p = new LevelsParticipant();
        s.Register(p);
        for (short i = 1; i <= 5; i++) s.Append([LevelsParticipant.Level("a", i), LevelsParticipant.Level("n" + i, i)]);
        s.TakeSnapshot();
        s.Append([LevelsParticipant.Level("a", 9)]);
        long next = s.NextOffset;
        Close(s);
        var again = Open();
        Assert.Equal(next, again.NextOffset);
        var q = new LevelsParticipant();
        again.Register(q);
        Assert.Equal(p.Levels.OrderBy(kv => kv.Key), q.Levels.OrderBy(kv => kv.Key));
        Assert.Equal(9, q.Levels["a"]);
        // The snapshot holds the state (6 names), not the 10 records it replaced, then the one record after it.
        Assert.Equal([7], q.Batches);
        Assert.Equal(next, again.Append([LevelsParticipant.Level("b", 1)]));
    }

    [Fact]
    public void Snapshots_taken_by_size_keep_the_records_no_participant_owns()
    {
        var s = Open(new MetadataStoreOptions { SnapshotAfterBytes = 512 });
        var levels = new LevelsParticipant();
        s.Register(levels);
        var ids = new List<Guid>();
        for (int i = 0; i < 100; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            s.Append([LevelsParticipant.Level("k" + (i % 7), (short)i), MetadataRecord.Of(new TopicRecord { Name = "t" + i, TopicId = id })]);
        }
        Close(s);
        var again = Open();
        var topics = new LevelsParticipant(MetadataRecordTypes.TopicRecord);
        var levels2 = new LevelsParticipant();
        again.Register(topics);
        again.Register(levels2);
        Assert.Equal(ids, topics.Seen.Select(r => ((TopicRecord)r.Message).TopicId));
        Assert.Equal(levels.Levels.OrderBy(kv => kv.Key), levels2.Levels.OrderBy(kv => kv.Key));
        Assert.True(levels2.Seen.Count < 100, "snapshots compacted the levels");
        Assert.Equal(200, again.NextOffset);
    }

    [Fact]
    public void Concurrent_appends_are_applied_in_offset_order_and_all_survive_a_reopen()
    {
        var s = Open(new MetadataStoreOptions { SnapshotAfterBytes = 4096 });
        var order = new List<long>();
        var p = new OrderParticipant(order);
        s.Register(p);
        const int Threads = 4, PerThread = 200;
        var offsets = new long[Threads][];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            offsets[t] = new long[PerThread];
            for (int i = 0; i < PerThread; i++) offsets[t][i] = s.Append([LevelsParticipant.Level($"t{t}-{i}", 1), LevelsParticipant.Level("last", (short)t)]);
        });
        var all = offsets.SelectMany(o => o).Order().ToList();
        Assert.Equal(Enumerable.Range(0, Threads * PerThread).Select(i => (long)i * 2), all);
        Assert.Equal(all, order);
        Close(s);
        var again = Open();
        var q = new LevelsParticipant();
        again.Register(q);
        Assert.Equal(Threads * PerThread + 1, q.Levels.Count);
    }

    [Fact]
    public void An_empty_batch_is_refused()
    {
        var s = Open();
        Assert.Throws<ArgumentException>(() => s.Append([]));
    }

    public void Dispose()
    {
        foreach (var s in _open) s.Dispose();
        Cleanup();
        GC.SuppressFinalize(this);
    }

    protected virtual void Cleanup() { }

    /// <summary>Records each live batch's base offset (the count of records seen before it) and keeps the levels for snapshots.</summary>
    private sealed class OrderParticipant(List<long> order) : IMetadataParticipant
    {
        private readonly LevelsParticipant _levels = new();
        private long _seen;

        public bool Owns(short recordType) => _levels.Owns(recordType);

        public void Apply(IReadOnlyList<MetadataRecord> records)
        {
            _levels.Apply(records);
            if (records.Count == 2) order.Add(_seen);
            _seen += records.Count;
        }

        public IEnumerable<MetadataRecord> SnapshotRecords() => _levels.SnapshotRecords();
    }
}
