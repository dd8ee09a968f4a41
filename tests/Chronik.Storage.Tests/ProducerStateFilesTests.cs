using System.Text;
using Chronik.Protocol.Records;
using Chronik.Storage.Disk;
using Chronik.Storage.Memory;

namespace Chronik.Storage.Tests;

/// <summary>Producer snapshots (codec, files, retention, truncation) and the per-segment aborted-transaction index.</summary>
public sealed class ProducerStateFilesTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-producers-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTime _time = new();

    private string PartitionDir => Path.Combine(_dataDir, "txn-0");

    private FileLogStore Open() => FileLogStore.Open(_dataDir, new FileLogStoreOptions { Time = _time });

    private static LogConfig SmallSegments => LogConfig.Default with { SegmentBytes = 1000, IndexIntervalBytes = 256, RetentionMs = -1 };

    private static ProducerSnapshot Snapshot(long offset, int producers = 2) => new(offset,
        Enumerable.Range(0, producers).Select(i => new ProducerSnapshotEntry(100 + i, (short)i, 3, 1_000 + i, i == 0 ? 7 : -1,
            Enumerable.Range(0, 5).Select(b => new ProducerSnapshotBatch(b * 10, (b * 10) + 9, offset - 50 + (b * 10), 9, 2_000 + b)).ToArray())).ToList());

    private static void AssertSame(ProducerSnapshot expected, ProducerSnapshot? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Offset, actual.Offset);
        Assert.Equal(expected.Producers.Count, actual.Producers.Count);
        for (int i = 0; i < expected.Producers.Count; i++)
        {
            var (e, a) = (expected.Producers[i], actual.Producers[i]);
            Assert.Equal((e.ProducerId, e.Epoch, e.CoordinatorEpoch, e.LastTimestamp, e.CurrentTxnFirstOffset), (a.ProducerId, a.Epoch, a.CoordinatorEpoch, a.LastTimestamp, a.CurrentTxnFirstOffset));
            Assert.Equal(e.Batches, a.Batches);
        }
    }

    private byte[] Data(long producerId, bool transactional = true, int size = 200)
    {
        using var b = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = 0, IsTransactional = transactional };
        b.Append(_time.NowMs, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes(new string('v', size)));
        return b.ToArray();
    }

    private byte[] Marker(long producerId, bool commit) =>
        ControlRecord.BuildTransactionMarker(commit ? ControlRecordType.Commit : ControlRecordType.Abort, producerId, 0, 0, _time.NowMs);

    private static List<AbortedTransaction> Collect(IPartitionLog log, long from, long to)
    {
        var list = new List<AbortedTransaction>();
        log.CollectAbortedTransactions(from, to, list);
        return list;
    }

    [Fact]
    public void Codec_round_trips_and_rejects_damage()
    {
        var snapshot = Snapshot(1234, producers: 3);
        var bytes = ProducerSnapshotCodec.Encode(snapshot);
        AssertSame(snapshot, ProducerSnapshotCodec.Decode(bytes));
        AssertSame(new ProducerSnapshot(0, []), ProducerSnapshotCodec.Decode(ProducerSnapshotCodec.Encode(new ProducerSnapshot(0, []))));
        for (int i = 0; i < bytes.Length; i += 7)
        {
            var damaged = bytes.ToArray();
            damaged[i] ^= 0x10;
            Assert.Null(ProducerSnapshotCodec.Decode(damaged));
        }
        Assert.Null(ProducerSnapshotCodec.Decode(bytes.AsSpan(0, bytes.Length - 1)));
    }

    [Fact]
    public async Task Snapshots_keep_the_newest_three_and_a_corrupt_one_falls_back_to_the_next_older()
    {
        await using var store = Open();
        var log = store.GetOrCreate("txn", 0, SmallSegments);
        foreach (long o in new long[] { 10, 20, 30, 40 }) log.WriteProducerSnapshot(Snapshot(o));
        Assert.Equal([20L, 30, 40], Directory.EnumerateFiles(PartitionDir, "*.snapshot").Select(f => long.Parse(Path.GetFileNameWithoutExtension(f))).Order());
        Assert.True(File.Exists(Path.Combine(PartitionDir, "00000000000000000040.snapshot")));
        AssertSame(Snapshot(30), log.LoadProducerSnapshot(35));

        var path = Path.Combine(PartitionDir, $"{30:D20}.snapshot");
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        AssertSame(Snapshot(20), log.LoadProducerSnapshot(35));
        Assert.False(File.Exists(path));
        Assert.Null(log.LoadProducerSnapshot(19));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Both_stores_keep_the_newest_three_snapshots_and_drop_them_with_their_segments(bool file)
    {
        await using ILogStore store = file ? Open() : new MemoryLogStore(_time);
        var log = store.GetOrCreate("txn", 0, SmallSegments);
        for (int i = 0; i < 12; i++) await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
        foreach (long o in new long[] { 1, 2, 3, 12 }) log.WriteProducerSnapshot(Snapshot(o));
        Assert.Null(log.LoadProducerSnapshot(1));
        AssertSame(Snapshot(3), log.LoadProducerSnapshot(11));
        log.DeleteRecordsBefore(12);
        Assert.Null(log.LoadProducerSnapshot(11));
        AssertSame(Snapshot(12), log.LoadProducerSnapshot(12));
    }

    [Fact]
    public async Task A_truncated_log_drops_the_snapshots_above_its_new_end()
    {
        long leo;
        await using (var store = Open())
        {
            var log = store.GetOrCreate("txn", 0, SmallSegments);
            for (int i = 0; i < 6; i++) await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
            log.WriteProducerSnapshot(Snapshot(3));
            leo = log.LogEndOffset;
            log.WriteProducerSnapshot(Snapshot(leo));
        }
        // A torn tail: the last segment loses its last batch, and the checkpoint is older than the cut.
        var last = Directory.EnumerateFiles(PartitionDir, "*.log").Order().Last();
        using (var f = new FileStream(last, FileMode.Open)) f.SetLength(f.Length - 10);
        CheckpointFile.Write(Path.Combine(PartitionDir, SegmentFiles.RecoveryPointFile), 0);
        await using (var store = Open())
        {
            var log = store.Get("txn", 0)!;
            Assert.Equal(leo - 1, log.LogEndOffset);
            Assert.False(File.Exists(Path.Combine(PartitionDir, $"{leo:D20}.snapshot")));
            Assert.Equal(3, log.LoadProducerSnapshot(long.MaxValue)!.Offset);
        }
    }

    [Fact]
    public async Task Snapshots_are_deleted_with_their_segments()
    {
        await using var store = Open();
        var log = store.GetOrCreate("txn", 0, SmallSegments);
        for (int i = 0; i < 12; i++) await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
        Assert.True(log.SegmentCount >= 3);
        log.WriteProducerSnapshot(Snapshot(2));
        log.WriteProducerSnapshot(Snapshot(log.LogEndOffset));
        log.DeleteRecordsBefore(log.LogEndOffset);
        Assert.Null(log.LoadProducerSnapshot(log.LogEndOffset - 1));
        Assert.Equal(log.LogEndOffset, log.LoadProducerSnapshot(long.MaxValue)!.Offset);
    }

    [Fact]
    public async Task Snapshots_are_asked_for_after_a_roll_and_at_clean_shutdown()
    {
        var source = new Source();
        await using (var store = Open())
        {
            var log = store.GetOrCreate("txn", 0, SmallSegments);
            log.AttachProducerState(source);
            source.Log = log;
            while (log.SegmentCount < 2) await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (source.Calls == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(source.Calls > 0, "no snapshot after a roll");
            await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
        }
        await using (var store = Open())
        {
            var log = store.Get("txn", 0)!;
            Assert.Equal(log.LogEndOffset, log.LoadProducerSnapshot(long.MaxValue)!.Offset);
        }
    }

    private sealed class Source : IProducerSnapshotSource
    {
        public IPartitionLog? Log { get; set; }
        public int Calls;

        public ProducerSnapshot CaptureSnapshot()
        {
            Interlocked.Increment(ref Calls);
            return new ProducerSnapshot(Log!.LogEndOffset, []);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Aborted_transactions_are_indexed_with_their_marker_and_collected_across_segments(bool file)
    {
        await using ILogStore store = file ? Open() : new MemoryLogStore(_time);
        var log = store.GetOrCreate("txn", 0, SmallSegments);
        await log.AppendAsync(Data(1), AppendOptions.Default);                                                   // 0: txn 1 opens
        await log.AppendAsync(Data(2), AppendOptions.Default);                                                   // 1: txn 2 opens
        for (int i = 0; i < 8; i++) await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default); // 2..9
        var abort1 = await log.AppendMarkerAsync(Marker(1, commit: false), new AbortedTransaction(1, 0, -1, 1));   // 10, txn 2 still open
        Assert.Equal(10, abort1.BaseOffset);
        await log.AppendMarkerAsync(Marker(2, commit: false), new AbortedTransaction(2, 1, -1, long.MaxValue));  // 11
        await log.AppendMarkerAsync(Marker(3, commit: true), null);                                             // 12
        Assert.True(log.SegmentCount > 2);

        AbortedTransaction t1 = new(1, 0, 10, 1), t2 = new(2, 1, 11, 12);
        Assert.Equal([t1, t2], Collect(log, 0, 13));
        Assert.Equal([t1, t2], Collect(log, 1, 2));
        Assert.Equal([t2], Collect(log, 11, 13));
        Assert.Empty(Collect(log, 12, 13));
        if (!file) return;

        log.WriteProducerSnapshot(new ProducerSnapshot(log.LogEndOffset, []));
        await store.DisposeAsync();
        await using var again = Open();
        var reopened = again.Get("txn", 0)!;
        Assert.Equal(long.MaxValue, reopened.TxnIndexRebuildFrom);
        Assert.Equal([t1, t2], Collect(reopened, 0, 13));
        Assert.NotEmpty(Directory.EnumerateFiles(PartitionDir, "*.txnindex"));
        reopened.DeleteRecordsBefore(reopened.LogEndOffset);
        var bases = Directory.EnumerateFiles(PartitionDir, "*.log").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        Assert.All(Directory.EnumerateFiles(PartitionDir, "*.txnindex"), f => Assert.Contains(Path.GetFileNameWithoutExtension(f), bases));
        Assert.Empty(Collect(reopened, reopened.LogStartOffset, reopened.LogEndOffset));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Compaction_keeps_the_aborted_transaction_index_of_the_segments_it_rewrites(bool file)
    {
        var config = SmallSegments with { Compact = true, MinCleanableDirtyRatio = 0.01 };
        await using ILogStore store = file ? Open() : new MemoryLogStore(_time);
        var log = store.GetOrCreate("txn", 0, config);
        await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);                       // 0
        await log.AppendAsync(Data(5), AppendOptions.Default);                                              // 1
        await log.AppendMarkerAsync(Marker(5, commit: false), new AbortedTransaction(5, 1, -1, long.MaxValue)); // 2
        while (log.SegmentCount < 4) await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
        AbortedTransaction expected = new(5, 1, 2, 3);
        Assert.Equal([expected], Collect(log, 0, log.LogEndOffset));
        Assert.True(Compaction.LogCleaner.Clean(log, config, _time.NowMs).Cleaned);
        Assert.Equal([expected], Collect(log, 0, log.LogEndOffset));
        if (!file) return;
        await store.DisposeAsync();
        await using var again = Open();
        Assert.Equal([expected], Collect(again.Get("txn", 0)!, 0, long.MaxValue));
    }

    [Fact]
    public async Task After_a_crash_the_index_tail_waits_for_a_rebuild_and_holds_the_recovery_point()
    {
        await using (var store = Open())
        {
            var log = store.GetOrCreate("txn", 0, SmallSegments);
            log.WriteProducerSnapshot(new ProducerSnapshot(0, []));
            await log.AppendAsync(Data(1), AppendOptions.Default);
            await log.AppendMarkerAsync(Marker(1, commit: false), new AbortedTransaction(1, 0, -1, long.MaxValue));
            await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
        }
        // As if the process died before the checkpoint: everything past offset 0 is verified again.
        string recoveryPoint = Path.Combine(PartitionDir, SegmentFiles.RecoveryPointFile);
        CheckpointFile.Write(recoveryPoint, 0);
        File.Delete(Path.Combine(_dataDir, CleanShutdownFile.Name)); // a crash leaves no clean-shutdown file
        await using (var store = Open())
        {
            var log = store.Get("txn", 0)!;
            Assert.Equal(0, log.TxnIndexRebuildFrom);
            Assert.Empty(Collect(log, 0, 3));
            await log.FlushAsync();
            Assert.Equal(0, CheckpointFile.Read(recoveryPoint));
            Assert.Equal(0, log.LoadProducerSnapshot(log.TxnIndexRebuildFrom)!.Offset);
            log.CompleteTxnIndexRebuild([new AbortedTransaction(1, 0, 1, 2)]);
            log.CompleteTxnIndexRebuild([new AbortedTransaction(1, 0, 1, 2)]);
            Assert.Equal([new AbortedTransaction(1, 0, 1, 2)], Collect(log, 0, 3));
            await log.AppendAsync(Data(-1, transactional: false), AppendOptions.Default);
            await log.FlushAsync();
            Assert.Equal(4, CheckpointFile.Read(recoveryPoint));
        }
    }

    [Fact]
    public async Task Without_any_snapshot_the_whole_index_is_rebuilt()
    {
        await using (var store = Open())
        {
            var log = store.GetOrCreate("txn", 0, SmallSegments);
            await log.AppendAsync(Data(1), AppendOptions.Default);
        }
        foreach (var f in Directory.EnumerateFiles(PartitionDir, "*.snapshot")) File.Delete(f);
        await using (var store = Open())
        {
            Assert.Equal(0, store.Get("txn", 0)!.TxnIndexRebuildFrom);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}
