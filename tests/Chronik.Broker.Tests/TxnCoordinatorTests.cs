using Chronik.Coordination.Producers;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>The transaction coordinator's state machine with a fake clock, an in-memory log and recorded markers.</summary>
public class TxnCoordinatorTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Markers : ITransactionMarkerWriter
    {
        public readonly List<(long Pid, short Epoch, bool Commit, List<TopicPartition> Partitions, List<PendingTxnOffset> Offsets)> Written = [];
        public bool Fail;

        public Task WriteMarkersAsync(long producerId, short producerEpoch, bool commit, IReadOnlyCollection<TopicPartition> partitions, IReadOnlyCollection<PendingTxnOffset> offsets)
        {
            if (Fail) throw new IOException("disk full");
            Written.Add((producerId, producerEpoch, commit, partitions.ToList(), offsets.ToList()));
            return Task.CompletedTask;
        }
    }

    private readonly Clock _clock = new();
    private readonly Markers _markers = new();
    private readonly MemoryTransactionLog _log = new();
    private readonly ProducerIdManager _ids = new(null);

    private TransactionCoordinator New() => new(_ids, _log, _markers, _clock, maxTimeoutMs: 60_000);

    private static readonly TopicPartition P0 = new("t", 0), P1 = new("t", 1);

    [Fact]
    public async Task Commit_writes_markers_to_every_partition_then_completes()
    {
        var c = New();
        var id = await c.InitProducerIdAsync("tx", 10_000);
        Assert.Equal(ErrorCode.None, id.Error);
        Assert.Equal(ErrorCode.None, c.AddPartitions("tx", id.ProducerId, id.ProducerEpoch, [P0, P1]));
        Assert.Equal(ErrorCode.None, c.VerifyProduce(id.ProducerId, id.ProducerEpoch, "t", 1));
        Assert.Equal(ErrorCode.InvalidTxnState, c.VerifyProduce(id.ProducerId, id.ProducerEpoch, "t", 2));
        Assert.Equal(ErrorCode.InvalidTxnState, c.AddTxnOffsets("tx", id.ProducerId, id.ProducerEpoch, "g", [new PendingTxnOffset("g", "in", 0, 42, -1, "")]));
        Assert.Equal(ErrorCode.None, c.AddOffsets("tx", id.ProducerId, id.ProducerEpoch, "g"));
        Assert.Equal(ErrorCode.None, c.AddTxnOffsets("tx", id.ProducerId, id.ProducerEpoch, "g", [new PendingTxnOffset("g", "in", 0, 42, -1, "")]));
        Assert.True(c.HasPendingOffset("g", "in", 0));
        Assert.Equal(ErrorCode.None, await c.EndTransactionAsync("tx", id.ProducerId, id.ProducerEpoch, commit: true));
        var m = Assert.Single(_markers.Written);
        Assert.True(m.Commit);
        Assert.Equal([P0, P1], m.Partitions.OrderBy(p => p.Partition));
        Assert.Equal(42, Assert.Single(m.Offsets).Offset);
        Assert.False(c.HasPendingOffset("g", "in", 0));
        Assert.Equal(TransactionState.CompleteCommit, c.Describe("tx")!.State);
        // A retried commit succeeds; an abort of the finished commit is refused.
        Assert.Equal(ErrorCode.None, await c.EndTransactionAsync("tx", id.ProducerId, id.ProducerEpoch, commit: true));
        Assert.Equal(ErrorCode.InvalidTxnState, await c.EndTransactionAsync("tx", id.ProducerId, id.ProducerEpoch, commit: false));
        Assert.Equal(ErrorCode.InvalidTxnState, c.VerifyProduce(id.ProducerId, id.ProducerEpoch, "t", 1));
    }

    [Fact]
    public async Task Reinitialising_fences_the_old_producer_and_aborts_its_transaction()
    {
        var c = New();
        var first = await c.InitProducerIdAsync("tx", 10_000);
        c.AddPartitions("tx", first.ProducerId, first.ProducerEpoch, [P0]);
        var second = await c.InitProducerIdAsync("tx", 10_000);
        Assert.Equal(first.ProducerId, second.ProducerId);
        Assert.True(second.ProducerEpoch > first.ProducerEpoch);
        var abort = Assert.Single(_markers.Written);
        Assert.False(abort.Commit);
        Assert.Equal(second.ProducerEpoch, abort.Epoch);
        Assert.Equal(ErrorCode.ProducerFenced, c.AddPartitions("tx", first.ProducerId, first.ProducerEpoch, [P0]));
        Assert.Equal(ErrorCode.ProducerFenced, await c.EndTransactionAsync("tx", first.ProducerId, first.ProducerEpoch, commit: true));
        Assert.Equal(ErrorCode.ProducerFenced, c.VerifyProduce(first.ProducerId, first.ProducerEpoch, "t", 0));
        Assert.Equal(TransactionState.Empty, c.Describe("tx")!.State);
    }

    [Fact]
    public async Task A_timeout_above_the_maximum_is_refused_and_an_expired_transaction_is_aborted()
    {
        var c = New();
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, (await c.InitProducerIdAsync("tx", 60_001)).Error);
        var id = await c.InitProducerIdAsync("tx", 5_000);
        c.AddPartitions("tx", id.ProducerId, id.ProducerEpoch, [P0]);
        _clock.Now += TimeSpan.FromSeconds(4);
        Assert.Equal(0, await c.AbortExpiredAsync());
        _clock.Now += TimeSpan.FromSeconds(2);
        Assert.Equal(1, await c.AbortExpiredAsync());
        Assert.False(Assert.Single(_markers.Written).Commit);
        Assert.Equal(TransactionState.CompleteAbort, c.Describe("tx")!.State);
        // The abort bumped the epoch: the producer is fenced.
        Assert.Equal(ErrorCode.ProducerFenced, await c.EndTransactionAsync("tx", id.ProducerId, id.ProducerEpoch, commit: true));
    }

    [Fact]
    public async Task A_transaction_caught_in_prepare_is_completed_after_a_restart()
    {
        var c = New();
        var id = await c.InitProducerIdAsync("tx", 10_000);
        c.AddPartitions("tx", id.ProducerId, id.ProducerEpoch, [P0]);
        _markers.Fail = true;
        await c.EndTransactionAsync("tx", id.ProducerId, id.ProducerEpoch, commit: true);
        Assert.Equal(TransactionState.PrepareCommit, c.Describe("tx")!.State);
        Assert.Equal(ErrorCode.ConcurrentTransactions, c.AddPartitions("tx", id.ProducerId, id.ProducerEpoch, [P1]));

        _markers.Fail = false;
        var restarted = New(); // replays the same log
        Assert.Equal(TransactionState.PrepareCommit, restarted.Describe("tx")!.State);
        Assert.Equal(1, await restarted.RecoverAsync());
        Assert.True(Assert.Single(_markers.Written).Commit);
        Assert.Equal(TransactionState.CompleteCommit, restarted.Describe("tx")!.State);
        Assert.Equal(ErrorCode.None, await restarted.EndTransactionAsync("tx", id.ProducerId, id.ProducerEpoch, commit: true));
    }

    [Fact]
    public async Task Unknown_ids_and_mismatched_producers_are_refused()
    {
        var c = New();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, c.AddPartitions("nope", 1, 0, [P0]));
        var a = await c.InitProducerIdAsync("a", 10_000);
        var b = await c.InitProducerIdAsync("b", 10_000);
        Assert.NotEqual(a.ProducerId, b.ProducerId);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, c.AddPartitions("a", b.ProducerId, b.ProducerEpoch, [P0]));
        Assert.Equal(ErrorCode.InvalidTxnState, await c.EndTransactionAsync("a", a.ProducerId, a.ProducerEpoch, commit: true));
        Assert.Equal(["a", "b"], c.List().Select(d => d.TransactionalId).Order());
    }
}
