using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using static Chronik.Coordination.Tests.Transactions.TransactionHarness;

namespace Chronik.Coordination.Tests.Transactions;

/// <summary>The deterministic transaction coordinator: each operation's records (Kafka's TransactionLogValue), and replay giving the same state.</summary>
public class TransactionCoordinatorRecordsTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly TopicPartition P0 = new("t", 0), P1 = new("t", 1);

    [Fact]
    public void Each_operation_returns_the_record_of_its_change_and_publishes_only_when_told()
    {
        var h = new TransactionHarness();
        var init = h.Run(c => c.InitProducerId("tx", 10_000, -1, -1, T0));
        var (pid, epoch) = (init.Response.ProducerId, init.Response.ProducerEpoch);
        var v = Value(Assert.Single(init.Records))!;
        Assert.Equal("tx", TransactionRecords.TransactionalIdOf(State(init.Records[0])));
        Assert.Equal((pid, (short)0, 10_000, (sbyte)TransactionState.Empty, T0), (v.ProducerId, v.ProducerEpoch, v.TransactionTimeoutMs, v.TransactionStatus, v.TransactionLastUpdateTimestampMs));

        // The new state is visible to the lock-free produce check only once the caller runs the publications (records durable).
        var add = h.Coordinator.AddPartitions("tx", pid, epoch, [P0, P1], 0, T0 + 1);
        Assert.Equal(ErrorCode.InvalidTxnState, h.Coordinator.VerifyProduce(pid, epoch, "t", 0));
        h.Log.AddRange(add.Records);
        add.RunCompletions();
        Assert.Equal(ErrorCode.None, h.Coordinator.VerifyProduce(pid, epoch, "t", 0));
        v = Value(Assert.Single(add.Records))!;
        Assert.Equal((sbyte)TransactionState.Ongoing, v.TransactionStatus);
        Assert.Equal(T0 + 1, v.TransactionStartTimestampMs);
        Assert.Equal([0, 1], Assert.Single(v.TransactionPartitions!).PartitionIds);

        // Adding a partition already there changes nothing and writes nothing.
        Assert.Empty(h.Run(c => c.AddPartitions("tx", pid, epoch, [P0], 0, T0 + 2)).Records);

        var offsets = h.Run(c => c.AddOffsets("tx", pid, epoch, "g", 0, T0 + 3));
        Assert.Equal(["g"], State(Assert.Single(offsets.Records)).Groups);
        var txnOffsets = h.Run(c => c.AddTxnOffsets("tx", pid, epoch, "g", [new PendingTxnOffset("g", "in", 0, 42, 3, "meta")], T0 + 4));
        Assert.Single(State(Assert.Single(txnOffsets.Records)).PendingOffsets);

        var end = h.Run(c => c.EndTransaction("tx", pid, epoch, commit: true, T0 + 5));
        Assert.Equal((sbyte)TransactionState.PrepareCommit, Value(Assert.Single(end.Records))!.TransactionStatus);
        var job = Assert.Single(end.Markers);
        Assert.Equal((pid, epoch, true), (job.ProducerId, job.Epoch, job.Commit));
        Assert.Equal([P0, P1], job.Partitions.OrderBy(p => p.Partition));
        Assert.Equal(42, Assert.Single(job.Offsets).Offset);
        // While the markers are written, the transaction takes no changes.
        Assert.Equal(ErrorCode.ConcurrentTransactions, h.Run(c => c.AddPartitions("tx", pid, epoch, [P0], 0, T0 + 6)).Response);

        var done = h.Run(c => c.CompleteTransaction(job, T0 + 7));
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, pid, epoch), done.Response);
        v = Value(Assert.Single(done.Records))!;
        Assert.Equal((sbyte)TransactionState.CompleteCommit, v.TransactionStatus);
        Assert.Empty(v.TransactionPartitions!);
        Assert.Empty(State(done.Records[0]).PendingOffsets);
        Assert.False(h.Coordinator.HasPendingOffset("g", "in", 0));
    }

    [Fact]
    public void Init_of_an_open_transaction_aborts_it_with_the_bumped_epoch_then_empties_it()
    {
        var h = new TransactionHarness();
        var id = h.Run(c => c.InitProducerId("tx", 10_000, -1, -1, T0)).Response;
        h.Run(c => c.AddPartitions("tx", id.ProducerId, id.ProducerEpoch, [P0], 0, T0));
        var init = h.Run(c => c.InitProducerId("tx", 10_000, -1, -1, T0 + 1));
        var job = Assert.Single(init.Markers);
        Assert.Equal((false, (short)1), (job.Commit, job.Epoch));
        Assert.Equal((sbyte)TransactionState.PrepareAbort, Value(Assert.Single(init.Records))!.TransactionStatus);
        h.Run(c => c.CompleteTransaction(job, T0 + 2));
        var finished = h.Run(c => c.FinishInitProducerId(job, T0 + 2));
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, id.ProducerId, 1), finished.Response);
        Assert.Equal((sbyte)TransactionState.Empty, Value(Assert.Single(finished.Records))!.TransactionStatus);
        Assert.Equal(ErrorCode.ProducerFenced, h.Coordinator.VerifyProduce(id.ProducerId, 0, "t", 0));
    }

    [Fact]
    public void Timeouts_abort_with_a_fencing_bump_and_expiry_writes_a_tombstone()
    {
        var h = new TransactionHarness(expirationMs: 1_000_000);
        var v1 = h.Run(c => c.InitProducerId("v1", 5_000, -1, -1, T0)).Response;
        var v2 = h.Run(c => c.InitProducerId("v2", 5_000, -1, -1, T0)).Response;
        h.Run(c => c.AddPartitions("v1", v1.ProducerId, 0, [P0], 0, T0));
        h.Run(c => c.AddPartitionFromProduce("v2", v2.ProducerId, 0, P1, T0));
        Assert.Equal(0, h.Run(c => c.AbortExpired(T0 + 5_000)).Response);
        var aborted = h.Run(c => c.AbortExpired(T0 + 5_001));
        Assert.Equal(2, aborted.Response);
        // TV1 fences with one bump, TV2 with two (Kafka's fence plus the TV2 abort).
        Assert.Equal([(v1.ProducerId, (short)1), (v2.ProducerId, (short)2)], aborted.Markers.Select(m => (m.ProducerId, m.Epoch)).OrderBy(m => m.ProducerId));
        foreach (var job in aborted.Markers) h.Run(c => c.CompleteTransaction(job, T0 + 5_002));

        Assert.Equal(0, h.Run(c => c.ExpireTransactionalIds(T0 + 5_002 + 999_999)).Response);
        var expired = h.Run(c => c.ExpireTransactionalIds(T0 + 5_002 + 1_000_000));
        Assert.Equal(2, expired.Response);
        Assert.All(expired.Records, r => Assert.Null(State(r).Value));
        Assert.Empty(h.Replayed().List());
    }

    [Fact]
    public void Transactions_v2_bump_at_every_end_and_move_to_a_new_producer_id_when_the_epochs_run_out()
    {
        var h = new TransactionHarness();
        var id = h.Run(c => c.InitProducerId("tx", 10_000, -1, -1, T0)).Response;
        h.Run(c => c.AddPartitionFromProduce("tx", id.ProducerId, 0, P0, T0));
        Assert.True(h.Coordinator.IsInTransaction(id.ProducerId, 0, P0));
        var end = h.Run(c => c.EndTransactionBumpingEpoch("tx", id.ProducerId, 0, commit: true, T0 + 1));
        var v = Value(Assert.Single(end.Records))!;
        Assert.Equal(((sbyte)TransactionState.PrepareCommit, (short)1, (short)2), (v.TransactionStatus, v.ProducerEpoch, v.ClientTransactionVersion));
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, id.ProducerId, 1), h.Run(c => c.CompleteTransaction(end.Markers[0], T0 + 2)).Response);
        // A retry with the epoch before is answered as the completed call.
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, id.ProducerId, 1), h.Run(c => c.EndTransactionBumpingEpoch("tx", id.ProducerId, 0, true, T0 + 3)).Response);
        Assert.Equal(TransactionState.CompleteCommit, h.Replayed().Describe("tx")!.State);
    }

    [Fact]
    public void Replaying_the_records_rebuilds_the_same_state_and_the_same_snapshot()
    {
        var h = new TransactionHarness();
        var a = h.Run(c => c.InitProducerId("a", 10_000, -1, -1, T0)).Response;
        var b = h.Run(c => c.InitProducerId("b", 20_000, -1, -1, T0)).Response;
        h.Run(c => c.InitProducerId("c", 30_000, -1, -1, T0));
        h.Run(c => c.AddPartitions("a", a.ProducerId, 0, [P0, P1], 0, T0 + 1));
        h.Run(c => c.AddOffsets("a", a.ProducerId, 0, "g", 0, T0 + 2));
        h.Run(c => c.AddTxnOffsets("a", a.ProducerId, 0, "g", [new PendingTxnOffset("g", "in", 3, 7, 1, "x")], T0 + 3));
        h.Run(c => c.AddPartitionFromProduce("b", b.ProducerId, 0, P0, T0 + 4));
        var prepared = h.Run(c => c.EndTransactionBumpingEpoch("b", b.ProducerId, 0, commit: false, T0 + 5));
        Assert.Single(prepared.Markers);

        var replayed = h.Replayed();
        Assert.Equal(Describe(h.Coordinator), Describe(replayed));
        Assert.Equal(Bytes(h.Coordinator.SnapshotRecords()), Bytes(replayed.SnapshotRecords()));
        Assert.True(replayed.HasPendingOffset("g", "in", 3));
        Assert.Equal(ErrorCode.None, replayed.VerifyGroup("a", a.ProducerId, 0, "g"));
        Assert.Equal(ErrorCode.None, replayed.VerifyProduce(a.ProducerId, 0, "t", 1));
        // The replayed Prepare* is completed by recovery with the markers it was prepared with.
        var job = Assert.Single(replayed.Recover().Markers);
        Assert.Equal((b.ProducerId, (short)1, false), (job.ProducerId, job.Epoch, job.Commit));
        Assert.Equal(new ProducerIdAndEpoch(ErrorCode.None, b.ProducerId, 1), replayed.CompleteTransaction(job, T0 + 6).Response);
    }

    [Fact]
    public void The_same_calls_at_the_same_times_give_the_same_records()
    {
        static byte[] Run()
        {
            var h = new TransactionHarness();
            var id = h.Run(c => c.InitProducerId("tx", 10_000, -1, -1, T0)).Response;
            h.Run(c => c.AddPartitions("tx", id.ProducerId, 0, [P1, P0], 0, T0 + 1));
            var end = h.Run(c => c.EndTransaction("tx", id.ProducerId, 0, commit: true, T0 + 2));
            h.Run(c => c.CompleteTransaction(end.Markers[0], T0 + 3));
            return Bytes(h.Log);
        }
        Assert.Equal(Run(), Run());
    }

    private static List<string> Describe(TransactionCoordinator c) =>
        c.List().OrderBy(d => d.TransactionalId, StringComparer.Ordinal)
            .Select(d => $"{d.TransactionalId}:{d.ProducerId}:{d.ProducerEpoch}:{d.State}:{d.TimeoutMs}:{d.StartTimeMs}:{string.Join(",", d.Partitions.Select(p => p.ToString()).Order(StringComparer.Ordinal))}").ToList();
}
