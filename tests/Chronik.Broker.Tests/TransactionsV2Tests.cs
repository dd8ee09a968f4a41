using Chronik.Coordination.Metadata;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Records.TransactionCoordinator;
using Chronik.Protocol.Messages;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>
/// Transactions v2 (KIP-890 part 2) in raw frames, step by step as the KIP has it: Produce v12 adds its partition to
/// the transaction implicitly, EndTxn v5 bumps the epoch at commit and at abort and answers the new one, a late batch
/// of the previous epoch is refused and opens no transaction, and a transaction caught in PrepareCommit/PrepareAbort by
/// a crash is completed with the bumped epoch after the restart.
/// </summary>
public class TransactionsV2Tests
{
    [Fact]
    public async Task Produce_v12_adds_partitions_implicitly_and_EndTxn_v5_bumps_the_epoch_at_commit()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.CreateTopic("tv2-commit", partitions: 2);
        var (pid, epoch) = Init(broker, "tv2-commit");
        Assert.Equal(0, epoch);

        // No AddPartitionsToTxn: the first batch of each partition joins (and here starts) the transaction.
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-commit", "tv2-commit", 0, pid, 0, seq: 0).Error);
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-commit", "tv2-commit", 1, pid, 0, seq: 0).Error);
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-commit", "tv2-commit", 0, pid, 0, seq: 3).Error);
        var open = Describe(broker, "tv2-commit");
        Assert.Equal("Ongoing", open.TransactionStateValue);
        Assert.Equal([0, 1], open.Topics.Single().Partitions.Order());

        var end = EndTxn(broker, "tv2-commit", pid, 0, commit: true);
        Assert.Equal((0, pid, (short)1), (end.ErrorCode, end.ProducerId, end.ProducerEpoch));
        var done = Describe(broker, "tv2-commit");
        Assert.Equal(("CompleteCommit", (short)1), (done.TransactionStateValue, done.ProducerEpoch));
        // The markers carry the bumped epoch: each partition now knows the producer at epoch 1.
        Assert.Equal(1, ProducerEpochIn(broker, "tv2-commit", 0, pid));
        Assert.Equal(1, ProducerEpochIn(broker, "tv2-commit", 1, pid));
        Assert.Equal(6, TxnBrokerTests.ReadAll(broker.Bootstrap, "tv2-commit", Confluent.Kafka.IsolationLevel.ReadCommitted, 6).Count);

        // A retry with the epoch the commit was sent with is the completed call; the new epoch has nothing to commit.
        var retry = EndTxn(broker, "tv2-commit", pid, 0, commit: true);
        Assert.Equal((0, pid, (short)1), (retry.ErrorCode, retry.ProducerId, retry.ProducerEpoch));
        Assert.Equal((short)KafkaError.InvalidTxnState, EndTxn(broker, "tv2-commit", pid, 1, commit: true).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidTxnState, EndTxn(broker, "tv2-commit", pid, 0, commit: false).ErrorCode);

        // The next transaction runs at epoch 1, sequences from 0.
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-commit", "tv2-commit", 0, pid, 1, seq: 0).Error);
        var second = EndTxn(broker, "tv2-commit", pid, 1, commit: true);
        Assert.Equal((0, pid, (short)2), (second.ErrorCode, second.ProducerId, second.ProducerEpoch));
    }

    [Fact]
    public async Task EndTxn_v5_bumps_the_epoch_at_abort_even_with_nothing_produced()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.CreateTopic("tv2-abort");
        var (pid, _) = Init(broker, "tv2-abort");
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-abort", "tv2-abort", 0, pid, 0, seq: 0).Error);

        var abort = EndTxn(broker, "tv2-abort", pid, 0, commit: false);
        Assert.Equal((0, pid, (short)1), (abort.ErrorCode, abort.ProducerId, abort.ProducerEpoch));
        Assert.Equal(("CompleteAbort", (short)1), (Describe(broker, "tv2-abort").TransactionStateValue, Describe(broker, "tv2-abort").ProducerEpoch));
        Assert.Equal(1, ProducerEpochIn(broker, "tv2-abort", 0, pid));
        Assert.Empty(TxnBrokerTests.ReadAll(broker.Bootstrap, "tv2-abort", Confluent.Kafka.IsolationLevel.ReadCommitted, 0));
        Assert.Equal(3, TxnBrokerTests.ReadAll(broker.Bootstrap, "tv2-abort", Confluent.Kafka.IsolationLevel.ReadUncommitted, 3).Count);

        // Kafka's TV2 table: an abort with the current epoch and no transaction still bumps it; a commit does not.
        Assert.Equal((short)KafkaError.InvalidTxnState, EndTxn(broker, "tv2-abort", pid, 1, commit: true).ErrorCode);
        var empty = EndTxn(broker, "tv2-abort", pid, 1, commit: false);
        Assert.Equal((0, (short)2), (empty.ErrorCode, empty.ProducerEpoch));
        var retry = EndTxn(broker, "tv2-abort", pid, 1, commit: false);
        Assert.Equal((0, (short)2), (retry.ErrorCode, retry.ProducerEpoch));
        Assert.Equal((short)KafkaError.ProducerFenced, EndTxn(broker, "tv2-abort", pid, 0, commit: false).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidProducerIdMapping, EndTxn(broker, "tv2-abort", pid + 1000, 2, commit: false).ErrorCode);
    }

    [Fact]
    public async Task A_late_produce_from_the_previous_epoch_is_refused_and_opens_no_transaction()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.CreateTopic("tv2-late");
        var (pid, _) = Init(broker, "tv2-late");
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-late", "tv2-late", 0, pid, 0, seq: 0).Error);
        Assert.Equal(0, EndTxn(broker, "tv2-late", pid, 0, commit: true).ErrorCode);

        // The hanging transaction of KIP-890: a delayed batch of the committed transaction arrives after the commit.
        // Under TV1 it would open a transaction nobody ends; here its epoch is fenced, as Kafka answers a produce.
        var late = Produce(broker, "tv2-late", "tv2-late", 0, pid, 0, seq: 3);
        Assert.Equal(KafkaError.InvalidProducerEpoch, late.Error);
        Assert.Equal("CompleteCommit", Describe(broker, "tv2-late").TransactionStateValue);
        var stable = FetchCommitted(broker, "tv2-late");
        Assert.Equal(stable.HighWatermark, stable.LastStableOffset);

        // Nor can it join the next transaction once that is open at the new epoch.
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-late", "tv2-late", 0, pid, 1, seq: 0).Error);
        Assert.Equal(KafkaError.InvalidProducerEpoch, Produce(broker, "tv2-late", "tv2-late", 0, pid, 0, seq: 6).Error);
        Assert.Equal(0, EndTxn(broker, "tv2-late", pid, 1, commit: true).ErrorCode);
        Assert.Equal(6, TxnBrokerTests.ReadAll(broker.Bootstrap, "tv2-late", Confluent.Kafka.IsolationLevel.ReadCommitted, 6).Count);
    }

    [Fact]
    public async Task Transactions_v1_are_unchanged_below_the_v2_request_versions()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.CreateTopic("tv1-still");
        var (pid, _) = Init(broker, "tv1-still");
        // Without AddPartitionsToTxn a v11 batch is refused: TRANSACTION_ABORTABLE from v11 (KIP-890 part 1), else INVALID_TXN_STATE.
        Assert.Equal(KafkaError.TransactionAbortable, Produce(broker, "tv1-still", "tv1-still", 0, pid, 0, seq: 0, version: 11).Error);
        Assert.Equal(KafkaError.InvalidTxnState, Produce(broker, "tv1-still", "tv1-still", 0, pid, 0, seq: 0, version: 10).Error);
        var add = broker.Call<AddPartitionsToTxnResponse>(new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = "tv1-still", V3AndBelowProducerId = pid, V3AndBelowProducerEpoch = 0,
            V3AndBelowTopics = [new() { Name = "tv1-still", Partitions = [0] }],
        }, 3);
        Assert.Equal(0, add.ResultsByTopicV3AndBelow.Single().ResultsByPartition.Single().PartitionErrorCode);
        Assert.Equal(KafkaError.None, Produce(broker, "tv1-still", "tv1-still", 0, pid, 0, seq: 0, version: 11).Error);
        var end = broker.Call<EndTxnResponse>(new EndTxnRequest { TransactionalId = "tv1-still", ProducerId = pid, ProducerEpoch = 0, Committed = true }, 4);
        Assert.Equal(0, end.ErrorCode);
        Assert.Equal((short)0, Describe(broker, "tv1-still").ProducerEpoch);
        Assert.Equal(0, ProducerEpochIn(broker, "tv1-still", 0, pid));
    }

    [Fact]
    public async Task TxnOffsetCommit_v5_adds_the_group_implicitly()
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.CreateTopic("tv2-offsets");
        var (pid, _) = Init(broker, "tv2-offsets");
        TxnOffsetCommitResponse Commit(short version, short epoch) => broker.Call<TxnOffsetCommitResponse>(new TxnOffsetCommitRequest
        {
            TransactionalId = "tv2-offsets", GroupId = "tv2-group", ProducerId = pid, ProducerEpoch = epoch, GenerationId = -1, MemberId = "",
            Topics = [new() { Name = "tv2-offsets", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 42, CommittedLeaderEpoch = -1 }] }],
        }, version);
        // v4 still needs AddOffsetsToTxn, and says so the KIP-890 way.
        Assert.Equal((short)KafkaError.TransactionAbortable, Commit(4, 0).Topics.Single().Partitions.Single().ErrorCode);
        Assert.Equal(0, Commit(5, 0).Topics.Single().Partitions.Single().ErrorCode);
        Assert.Equal(0, EndTxn(broker, "tv2-offsets", pid, 0, commit: true).ErrorCode);
        var fetched = broker.Call<OffsetFetchResponse>(new OffsetFetchRequest
        {
            GroupId = "tv2-group", RequireStable = true, Topics = [new() { Name = "tv2-offsets", PartitionIndexes = [0] }],
        }, 7);
        Assert.Equal(42, fetched.Topics.Single().Partitions.Single().CommittedOffset);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_transaction_caught_in_prepare_by_a_crash_completes_with_the_bumped_epoch(bool commit)
    {
        await using var broker = await TxnTestBroker.StartAsync();
        broker.CreateTopic("tv2-crash", partitions: 2);
        var (pid, _) = Init(broker, "tv2-crash");
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-crash", "tv2-crash", 0, pid, 0, seq: 0).Error);
        Assert.Equal(KafkaError.None, Produce(broker, "tv2-crash", "tv2-crash", 1, pid, 0, seq: 0).Error);
        await broker.StopAsync();

        // What EndTxn v5 persists before it writes any marker (TransactionCoordinator.BeginBumpedCompletion): the crash
        // leaves the metadata log ending there.
        using (var store = LocalMetadataStore.Open(broker.DataDir))
        {
            IReadOnlyList<MetadataRecord> replayed = [];
            _ = new TransactionStateLog(store, records => replayed = records);
            var last = (TransactionStateRecord)replayed.Last(r => TransactionRecords.TransactionalIdOf((TransactionStateRecord)r.Message) == "tv2-crash").Message;
            var value = CoordinatorRecordCodec.ReadValue(new TransactionLogValue(), last.Value, out _);
            Assert.Equal((sbyte)TransactionState.Ongoing, value.TransactionStatus);
            value.TransactionStatus = (sbyte)(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort);
            value.ProducerEpoch = 1;
            value.ClientTransactionVersion = 2;
            store.Append([MetadataRecord.Of(new TransactionStateRecord { Key = last.Key, Value = CoordinatorRecordCodec.Value(value, 1), Groups = last.Groups, PendingOffsets = last.PendingOffsets })]);
        }

        await broker.StartAgainAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string expected = commit ? "CompleteCommit" : "CompleteAbort";
        while (Describe(broker, "tv2-crash").TransactionStateValue != expected && DateTime.UtcNow < deadline) await Task.Delay(50);
        var recovered = Describe(broker, "tv2-crash");
        Assert.Equal((expected, (short)1), (recovered.TransactionStateValue, recovered.ProducerEpoch));
        Assert.Equal(1, ProducerEpochIn(broker, "tv2-crash", 0, pid));
        Assert.Equal(1, ProducerEpochIn(broker, "tv2-crash", 1, pid));

        // The producer's retry of its EndTxn (epoch 0) is answered as the completed call, with the epoch to go on with.
        var retry = EndTxn(broker, "tv2-crash", pid, 0, commit);
        Assert.Equal((0, pid, (short)1), (retry.ErrorCode, retry.ProducerId, retry.ProducerEpoch));
        int visible = commit ? 3 : 0;
        Assert.Equal(visible, TxnBrokerTests.ReadAll(broker.Bootstrap, "tv2-crash", Confluent.Kafka.IsolationLevel.ReadCommitted, visible).Count);
        var stable = FetchCommitted(broker, "tv2-crash");
        Assert.Equal(stable.HighWatermark, stable.LastStableOffset);
        Assert.Equal(commit ? 0 : 1, stable.AbortedTransactions?.Count ?? 0);
    }

    internal static (long Pid, short Epoch) Init(TxnTestBroker broker, string txnId)
    {
        var r = broker.Call<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = txnId, TransactionTimeoutMs = 60_000 }, 4);
        Assert.Equal(0, r.ErrorCode);
        return (r.ProducerId, r.ProducerEpoch);
    }

    internal static (KafkaError Error, long BaseOffset) Produce(TxnTestBroker broker, string txnId, string topic, int partition, long pid, short epoch, int seq, short version = 12)
    {
        var request = new ProduceRequest
        {
            TransactionalId = txnId, Acks = -1, TimeoutMs = 10_000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = partition, Records = IdempotenceProducerStateTests.Batch(pid, epoch, seq, 3, transactional: true) }] }],
        };
        var p = broker.Call<ProduceResponse>(request, version).Responses.Single().PartitionResponses.Single();
        return ((KafkaError)p.ErrorCode, p.BaseOffset);
    }

    internal static EndTxnResponse EndTxn(TxnTestBroker broker, string txnId, long pid, short epoch, bool commit) =>
        broker.Call<EndTxnResponse>(new EndTxnRequest { TransactionalId = txnId, ProducerId = pid, ProducerEpoch = epoch, Committed = commit }, 5);

    private static DescribeTransactionsResponse.TransactionState Describe(TxnTestBroker broker, string txnId) =>
        broker.Call<DescribeTransactionsResponse>(new DescribeTransactionsRequest { TransactionalIds = [txnId] }, 0).TransactionStates.Single();

    private static int ProducerEpochIn(TxnTestBroker broker, string topic, int partition, long pid)
    {
        var r = broker.Call<DescribeProducersResponse>(new DescribeProducersRequest { Topics = [new() { Name = topic, PartitionIndexes = [partition] }] }, 0);
        return r.Topics.Single().Partitions.Single().ActiveProducers.Single(p => p.ProducerId == pid).ProducerEpoch;
    }

    private static FetchResponse.PartitionData FetchCommitted(TxnTestBroker broker, string topic)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = 0, MinBytes = 0, MaxBytes = 1 << 20, IsolationLevel = 1, SessionEpoch = -1,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 }] }],
        };
        return broker.Call<FetchResponse>(request, 11).Responses.Single().Partitions.Single();
    }
}
