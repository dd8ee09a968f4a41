using System.Text;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;
using Chronik.Storage.Memory;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Producer state per partition: duplicates, sequence gaps, epochs, open transactions and rebuilding from the log.</summary>
public class IdempotenceProducerStateTests
{
    internal static byte[] Batch(long pid, short epoch, int seq, int records, bool transactional = false)
    {
        using var b = new RecordBatchBuilder { ProducerId = pid, ProducerEpoch = epoch, BaseSequence = seq, IsTransactional = transactional };
        for (int i = 0; i < records; i++) b.Append(1_000 + i, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes("v" + (seq + i)));
        return b.ToArray();
    }

    private static (IPartitionLog Log, PartitionProducerState State) NewPartition(MemoryLogStore? store = null)
    {
        store ??= new MemoryLogStore();
        var log = store.GetOrCreate("t", 0, new LogConfig());
        return (log, new ProducerStateRegistry().For(log));
    }

    private static async Task<long> Append(PartitionProducerState s, byte[] batch, ErrorCode expect = ErrorCode.None)
    {
        var r = s.Append(batch, null, AppendOptions.Default, default);
        Assert.Equal(expect, r.Error);
        if (r.Error != ErrorCode.None) return -1;
        if (r.Duplicate is { } d) return d.FirstOffset;
        return (await r.Append).BaseOffset;
    }

    [Fact]
    public async Task A_retried_batch_is_answered_with_its_offset_and_not_written_again()
    {
        var (log, s) = NewPartition();
        Assert.Equal(0, await Append(s, Batch(7, 0, 0, 3)));
        Assert.Equal(3, await Append(s, Batch(7, 0, 3, 2)));
        Assert.Equal(0, await Append(s, Batch(7, 0, 0, 3)));
        Assert.Equal(3, await Append(s, Batch(7, 0, 3, 2)));
        Assert.Equal(5, log.LogEndOffset);
    }

    [Fact]
    public async Task Only_the_last_five_batches_are_remembered()
    {
        var (_, s) = NewPartition();
        for (int i = 0; i < 6; i++) await Append(s, Batch(1, 0, i, 1));
        await Append(s, Batch(1, 0, 0, 1), ErrorCode.OutOfOrderSequenceNumber);
        Assert.Equal(1, await Append(s, Batch(1, 0, 1, 1)));
    }

    [Fact]
    public async Task A_gap_is_out_of_order_and_an_old_epoch_is_fenced()
    {
        var (_, s) = NewPartition();
        await Append(s, Batch(1, 3, 0, 2));
        await Append(s, Batch(1, 3, 5, 1), ErrorCode.OutOfOrderSequenceNumber);
        await Append(s, Batch(1, 2, 2, 1), ErrorCode.InvalidProducerEpoch);
        await Append(s, Batch(1, 4, 7, 1), ErrorCode.OutOfOrderSequenceNumber);
        Assert.Equal(2, await Append(s, Batch(1, 4, 0, 1)));
        await Append(s, Batch(1, 3, 2, 1), ErrorCode.InvalidProducerEpoch);
    }

    [Fact]
    public async Task An_unknown_producer_is_accepted_at_any_sequence_as_Kafka_does()
    {
        var (_, s) = NewPartition();
        Assert.Equal(0, await Append(s, Batch(9, 0, 42, 1)));
        Assert.Equal(1, await Append(s, Batch(9, 0, 43, 1)));
    }

    [Fact]
    public async Task Concurrent_retries_of_one_batch_append_it_once()
    {
        var (log, s) = NewPartition();
        var batches = Enumerable.Range(0, 16).Select(_ => Batch(5, 0, 0, 10)).ToArray();
        var offsets = await Task.WhenAll(batches.Select(b => Task.Run(() => Append(s, b))));
        Assert.All(offsets, o => Assert.Equal(0, o));
        Assert.Equal(10, log.LogEndOffset);
    }

    [Fact]
    public async Task Transactions_hold_back_the_last_stable_offset_and_aborts_are_indexed()
    {
        var (log, s) = NewPartition();
        await Append(s, Batch(-1, -1, -1, 2));
        Assert.Equal(2, s.LastStableOffset);
        await Append(s, Batch(1, 0, 0, 3, transactional: true));   // 2..4
        await Append(s, Batch(2, 0, 0, 1, transactional: true));   // 5
        Assert.Equal(2, s.LastStableOffset);
        var woken = log.Readable.Next;
        await s.AppendMarker(1, 0, commit: false, 0, 1_000);         // 6
        Assert.True(woken.IsCompleted); // read_committed long polls re-check the moved last stable offset
        Assert.Equal(5, s.LastStableOffset);
        await s.AppendMarker(2, 0, commit: true, 0, 1_000);          // 7
        Assert.Equal(8, s.LastStableOffset);
        Assert.Equal(8, log.HighWatermark);
        var aborted = new List<AbortedTransaction>();
        s.CollectAborted(0, 8, aborted);
        Assert.Equal([new AbortedTransaction(1, 2, 6, 5)], aborted);
        aborted.Clear();
        s.CollectAborted(7, 8, aborted);
        Assert.Empty(aborted);
    }

    [Fact]
    public async Task State_is_rebuilt_from_the_log()
    {
        var store = new MemoryLogStore();
        var (log, s) = NewPartition(store);
        await Append(s, Batch(1, 0, 0, 3));
        await Append(s, Batch(2, 0, 0, 2, transactional: true)); // 3..4
        await Append(s, Batch(3, 0, 0, 1, transactional: true)); // 5
        await s.AppendMarker(3, 0, commit: false, 0, 1_000);     // 6

        var rebuilt = new ProducerStateRegistry().For(log);
        Assert.Equal(0, await Append(rebuilt, Batch(1, 0, 0, 3)));
        await Append(rebuilt, Batch(1, 0, 5, 1), ErrorCode.OutOfOrderSequenceNumber);
        Assert.Equal(3, rebuilt.LastStableOffset);
        var aborted = new List<AbortedTransaction>();
        rebuilt.CollectAborted(0, 100, aborted);
        Assert.Equal([new AbortedTransaction(3, 5, 6, 3)], aborted);
        Assert.Equal(3, rebuilt.OpenTransactionOf(2));
    }

    [Fact]
    public async Task State_is_loaded_from_a_snapshot_without_the_log_before_it()
    {
        var store = new MemoryLogStore();
        var (log, s) = NewPartition(store);
        await Append(s, Batch(1, 2, 0, 3));                        // 0..2
        await Append(s, Batch(1, 2, 3, 2));                        // 3..4
        await Append(s, Batch(2, 0, 0, 1, transactional: true));   // 5, left open
        log.WriteProducerSnapshot(s.CaptureSnapshot());
        Assert.Equal(6, log.LoadProducerSnapshot(long.MaxValue)!.Offset);
        await Append(s, Batch(1, 2, 5, 1));                        // 6, replayed from the log after the snapshot

        var loaded = new ProducerStateRegistry().For(log);
        Assert.Equal(3, await Append(loaded, Batch(1, 2, 3, 2)));  // a duplicate known only from the snapshot
        Assert.Equal(6, await Append(loaded, Batch(1, 2, 5, 1)));  // a duplicate from the replayed tail
        await Append(loaded, Batch(1, 1, 7, 1), ErrorCode.InvalidProducerEpoch);
        Assert.Equal(5, loaded.LastStableOffset);
        Assert.Equal(5, loaded.OpenTransactionOf(2));
    }

    [Fact]
    public async Task Idle_producers_expire_but_never_one_with_an_open_transaction()
    {
        var (_, s) = NewPartition();
        await Append(s, Batch(1, 0, 0, 1));                        // timestamps 1000
        await Append(s, Batch(2, 0, 0, 1, transactional: true));
        Assert.Equal(0, s.RemoveExpiredProducers(1_000 + 59_999, 60_000));
        Assert.Equal(1, s.RemoveExpiredProducers(1_000 + 60_000, 60_000));
        Assert.Equal([2L], s.Snapshot().Select(p => p.ProducerId));
        // Forgotten: the next batch is accepted at any sequence, as for a producer never seen.
        Assert.Equal(2, await Append(s, Batch(1, 0, 9, 1)));
    }

    [Fact]
    public async Task An_abort_marker_is_indexed_by_the_log_and_survives_a_file_store_restart()
    {
        string dir = Path.Combine(Path.GetTempPath(), "chronik-pps-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var store = Chronik.Storage.Disk.FileLogStore.Open(dir))
            {
                var log = store.GetOrCreate("t", 0, new LogConfig());
                var s = new ProducerStateRegistry().For(log);
                await Append(s, Batch(4, 0, 0, 2, transactional: true)); // 0..1
                await Append(s, Batch(4, 0, 2, 1, transactional: true)); // 2
                await s.AppendMarker(4, 0, commit: false, 0, 1_000);     // 3
                await Append(s, Batch(5, 0, 0, 1));                      // 4
            }
            Assert.Single(Directory.EnumerateFiles(Path.Combine(dir, "t-0"), "*.snapshot"));
            await using (var store = Chronik.Storage.Disk.FileLogStore.Open(dir))
            {
                var log = store.Get("t", 0)!;
                var s = new ProducerStateRegistry().For(log);
                var aborted = new List<AbortedTransaction>();
                s.CollectAborted(0, 5, aborted);
                Assert.Equal([new AbortedTransaction(4, 0, 3, 4)], aborted);
                Assert.Equal(4, await Append(s, Batch(5, 0, 0, 1)));
                Assert.Equal(5, s.LastStableOffset);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task After_a_crash_the_lost_index_tail_is_rebuilt_from_the_log()
    {
        string dir = Path.Combine(Path.GetTempPath(), "chronik-pps-crash-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var store = Chronik.Storage.Disk.FileLogStore.Open(dir))
            {
                var s = new ProducerStateRegistry().For(store.GetOrCreate("t", 0, new LogConfig()));
                await Append(s, Batch(4, 0, 0, 2, transactional: true)); // 0..1
                await Append(s, Batch(6, 0, 0, 1, transactional: true)); // 2, stays open
                await s.AppendMarker(4, 0, commit: false, 0, 1_000);     // 3
                await Append(s, Batch(5, 0, 0, 1));                      // 4
            }
            // As if the process died right after these appends: the last checkpoint said 0, the snapshot at 5 is newer.
            string recoveryPoint = Path.Combine(dir, "t-0", "recovery-point");
            File.WriteAllText(recoveryPoint, "0\n0\n");
            File.Delete(Path.Combine(dir, ".chronik-clean-shutdown")); // nor does a crash leave the clean-shutdown file
            await using (var store = Chronik.Storage.Disk.FileLogStore.Open(dir))
            {
                var log = store.Get("t", 0)!;
                Assert.Equal(0, log.TxnIndexRebuildFrom);
                var s = new ProducerStateRegistry().For(log);
                Assert.Equal(long.MaxValue, log.TxnIndexRebuildFrom);
                var aborted = new List<AbortedTransaction>();
                s.CollectAborted(0, 5, aborted);
                Assert.Equal([new AbortedTransaction(4, 0, 3, 2)], aborted);
                Assert.Equal(2, s.LastStableOffset);
                Assert.Equal(4, await Append(s, Batch(5, 0, 0, 1)));
                await store.FlushAllAsync();
                Assert.Equal("5", File.ReadAllLines(recoveryPoint)[1]);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
