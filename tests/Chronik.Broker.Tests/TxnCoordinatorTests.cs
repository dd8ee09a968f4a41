using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Records.TransactionCoordinator;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>The transaction coordinator (through its service) with a fake clock, an in-memory metadata log and recorded markers; a "restart" replays that log.</summary>
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
    private readonly MemoryMetadataLog _log = new();
    private readonly ProducerIdManager _ids = new(new MemoryMetadataStore());

    private TransactionCoordinatorService New(long transactionalIdExpirationMs = 604_800_000) =>
        new(new MemoryMetadataStore(_log), _ids, _markers, _clock, maxTimeoutMs: 60_000, transactionalIdExpirationMs);

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
    public async Task Transactions_v2_move_to_a_new_producer_id_when_the_epochs_run_out_even_across_a_crash()
    {
        // A transactional id at the last epoch a client may use (Short.MaxValue - 1), as years of TV2 commits leave it.
        using (var store = new MemoryMetadataStore(_log))
        {
            store.Append([MetadataRecord.Of(new TransactionStateRecord
            {
                Key = CoordinatorRecordCodec.Key(TransactionCoordinatorRecordTypes.TransactionLog, new TransactionLogKey { TransactionalId = "tx" }),
                Value = CoordinatorRecordCodec.Value(new TransactionLogValue
                {
                    ProducerId = 900, ProducerEpoch = short.MaxValue - 1, TransactionTimeoutMs = 10_000, TransactionStatus = (sbyte)TransactionState.CompleteCommit,
                    TransactionStartTimestampMs = -1, TransactionPartitions = [],
                }, 1),
            })]);
        }
        var c = New();
        Assert.Equal(ErrorCode.None, c.AddPartitionFromProduce("tx", 900, short.MaxValue - 1, "t", 0));
        _markers.Fail = true;
        Assert.Equal(ErrorCode.ConcurrentTransactions, (await c.EndTransactionBumpingEpochAsync("tx", 900, short.MaxValue - 1, commit: true)).Error);
        // Prepared with epoch Short.MaxValue (the markers' epoch) and the next id reserved; the crash comes here.
        Assert.Equal((TransactionState.PrepareCommit, short.MaxValue), (c.Describe("tx")!.State, c.Describe("tx")!.ProducerEpoch));

        _markers.Fail = false;
        var restarted = New();
        Assert.Equal(1, await restarted.RecoverAsync());
        var marker = Assert.Single(_markers.Written);
        Assert.Equal((900L, short.MaxValue, true), (marker.Pid, marker.Epoch, marker.Commit));
        var after = restarted.Describe("tx")!;
        Assert.Equal(TransactionState.CompleteCommit, after.State);
        Assert.NotEqual(900, after.ProducerId);
        Assert.Equal(0, after.ProducerEpoch);
        // The client's retry from the old id and last epoch gets the new id at epoch 0; the new id carries on.
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, after.ProducerId, 0), await restarted.EndTransactionBumpingEpochAsync("tx", 900, short.MaxValue - 1, commit: true));
        Assert.Equal(ErrorCode.None, restarted.AddPartitionFromProduce("tx", after.ProducerId, 0, "t", 0));
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, after.ProducerId, 1), await restarted.EndTransactionBumpingEpochAsync("tx", after.ProducerId, 0, commit: false));
    }

    [Fact]
    public async Task A_timed_out_v2_transaction_fences_its_producer()
    {
        var c = New();
        var id = await c.InitProducerIdAsync("tx", 10_000);
        Assert.Equal(ErrorCode.None, c.AddPartitionFromProduce("tx", id.ProducerId, id.ProducerEpoch, "t", 0));
        _clock.Now += TimeSpan.FromSeconds(11);
        Assert.Equal(1, await c.AbortExpiredAsync());
        // Two bumps, as Kafka's fence plus the TV2 abort: the producer's EndTxn with its epoch is no retry of that abort.
        Assert.Equal((short)2, c.Describe("tx")!.ProducerEpoch);
        Assert.Equal(2, Assert.Single(_markers.Written).Epoch);
        Assert.Equal(ErrorCode.ProducerFenced, (await c.EndTransactionBumpingEpochAsync("tx", id.ProducerId, id.ProducerEpoch, commit: false)).Error);
        Assert.Equal(ErrorCode.ProducerFenced, c.VerifyProduce(id.ProducerId, id.ProducerEpoch, "t", 0));
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

    [Fact]
    public async Task Idle_transactional_ids_expire_but_never_one_with_an_open_transaction()
    {
        var c = New(transactionalIdExpirationMs: 3_600_000);
        var idle = await c.InitProducerIdAsync("idle", 10_000);
        var busy = await c.InitProducerIdAsync("busy", 10_000);
        Assert.Equal(ErrorCode.None, c.AddPartitions("busy", busy.ProducerId, busy.ProducerEpoch, [P0]));
        _clock.Now += TimeSpan.FromMilliseconds(3_599_999);
        Assert.Equal(0, c.ExpireTransactionalIds());
        _clock.Now += TimeSpan.FromMilliseconds(1);
        Assert.Equal(1, c.ExpireTransactionalIds());
        Assert.Null(c.Describe("idle"));
        Assert.Null(c.TransactionalIdOf(idle.ProducerId));
        Assert.Equal(TransactionState.Ongoing, c.Describe("busy")!.State);

        // The tombstone is persisted: a restarted coordinator does not know the id, and a new InitProducerId starts afresh.
        var restarted = New();
        Assert.Null(restarted.Describe("idle"));
        Assert.NotNull(restarted.Describe("busy"));
        var again = await restarted.InitProducerIdAsync("idle", 10_000);
        Assert.NotEqual(idle.ProducerId, again.ProducerId);
        Assert.Equal(0, again.ProducerEpoch);
    }
}
