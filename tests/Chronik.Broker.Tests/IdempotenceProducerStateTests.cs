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
        await s.AppendMarker(1, 0, commit: false, 0, 1_000);         // 6
        Assert.Equal(5, s.LastStableOffset);
        await s.AppendMarker(2, 0, commit: true, 0, 1_000);          // 7
        Assert.Equal(8, s.LastStableOffset);
        Assert.Equal(8, log.HighWatermark);
        var aborted = new List<AbortedTxn>();
        s.CollectAborted(0, 8, aborted);
        Assert.Equal([new AbortedTxn(1, 2, 6)], aborted);
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
        var aborted = new List<AbortedTxn>();
        rebuilt.CollectAborted(0, 100, aborted);
        Assert.Equal([new AbortedTxn(3, 5, 6)], aborted);
        Assert.Equal(3, rebuilt.OpenTransactionOf(2));
    }
}
