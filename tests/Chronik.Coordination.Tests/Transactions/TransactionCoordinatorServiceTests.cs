using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Tests.Metadata;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using Xunit.Abstractions;

namespace Chronik.Coordination.Tests.Transactions;

/// <summary>The transaction coordinator's service on the local metadata store: restarts, snapshots, concurrent callers, and the upgrade from transactions.log.</summary>
public class TransactionCoordinatorServiceTests(ITestOutputHelper output)
{
    private sealed class Markers : ITransactionMarkerWriter
    {
        public int Written;

        public Task WriteMarkersAsync(long producerId, short producerEpoch, bool commit, IReadOnlyCollection<TopicPartition> partitions, IReadOnlyCollection<PendingTxnOffset> offsets)
        {
            Interlocked.Increment(ref Written);
            return Task.CompletedTask;
        }
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Markers _markers = new();
    private readonly Clock _clock = new();

    private TransactionCoordinatorService Open(IMetadataStore store, string? legacyDataDir = null) =>
        new(store, new ProducerIdManager(store), _markers, _clock, maxTimeoutMs: 60_000, transactionalIdExpirationMs: 3_600_000, legacyDataDir);

    [Fact]
    public async Task State_survives_restarts_and_snapshots_and_an_expired_id_stays_gone()
    {
        using var dir = new MetadataDir();
        var s = Open(dir.Store);
        var a = await s.InitProducerIdAsync("a", 10_000);
        var b = await s.InitProducerIdAsync("b", 10_000);
        Assert.Equal(ErrorCode.None, s.AddPartitions("a", a.ProducerId, 0, [new TopicPartition("t", 0)]));
        Assert.Equal(ErrorCode.None, s.AddOffsets("a", a.ProducerId, 0, "g"));
        Assert.Equal(ErrorCode.None, s.AddTxnOffsets("a", a.ProducerId, 0, "g", [new PendingTxnOffset("g", "in", 0, 5, -1, "")]));
        Assert.Equal(ErrorCode.InvalidTxnState, await s.EndTransactionAsync("b", b.ProducerId, 0, commit: false)); // nothing open

        s = Open(dir.Reopen());
        Assert.Equal(TransactionState.Ongoing, s.Describe("a")!.State);
        Assert.True(s.HasPendingOffset("g", "in", 0));
        Assert.Equal(ErrorCode.None, s.VerifyProduce(a.ProducerId, 0, "t", 0));
        _clock.Now += TimeSpan.FromHours(1);
        Assert.Equal(1, s.ExpireTransactionalIds()); // b: idle, no open transaction
        dir.Store.TakeSnapshot();

        s = Open(dir.Reopen());
        Assert.Null(s.Describe("b"));
        Assert.Equal(ErrorCode.None, await s.EndTransactionAsync("a", a.ProducerId, 0, commit: true));
        Assert.Equal(1, _markers.Written);
        dir.Store.TakeSnapshot();
        s = Open(dir.Reopen());
        Assert.Equal(TransactionState.CompleteCommit, s.Describe("a")!.State);
        Assert.False(s.HasPendingOffset("g", "in", 0));
        Assert.Equal(["a"], s.List().Select(d => d.TransactionalId));
    }

    [Fact]
    public async Task Concurrent_callers_are_persisted_in_their_order_and_all_survive_a_restart()
    {
        using var dir = new MetadataDir();
        var s = Open(dir.Store);
        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => s.InitProducerIdAsync("tx-" + i, 10_000))));
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            for (int p = 0; p < 20; p++) Assert.Equal(ErrorCode.None, s.AddPartitions("tx-" + i, ids[i].ProducerId, 0, [new TopicPartition("t", p)]));
        })));
        // Group commit: callers waiting together share one batch (and fsync); how many depends on timing, never more than one per change.
        var (batches, records) = TransactionBatches(dir);
        Assert.Equal(16 + 16 * 20, records);
        Assert.InRange(batches, 1, records);
        output.WriteLine($"{records} transaction records in {batches} metadata batches");
        s = Open(dir.Reopen());
        for (int i = 0; i < 16; i++) Assert.Equal(20, s.Describe("tx-" + i)!.Partitions.Count);
    }

    [Fact]
    public async Task A_transactions_log_of_the_json_era_is_imported_once_and_kept_renamed()
    {
        using var dir = new MetadataDir();
        string legacy = dir.LegacyFile(LegacyTransactionLog.FileName);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "transactions-json-v1", "transactions.log"), legacy);
        var s = Open(dir.Store, dir.DataDir);
        Assert.False(File.Exists(legacy));
        Assert.True(File.Exists(legacy + LegacyMetadataFile.MigratedSuffix));
        Check(s);

        // The prepared commit is completed by recovery; its markers carry the prepared epoch.
        Assert.Equal(1, await s.RecoverAsync());
        Assert.Equal(TransactionState.CompleteCommit, s.Describe("upgrade-prepare")!.State);

        // Later starts replay the records; the renamed file is never read again.
        File.Delete(legacy + LegacyMetadataFile.MigratedSuffix);
        s = Open(dir.Reopen(), dir.DataDir);
        Check(s, prepared: false);

        static void Check(TransactionCoordinatorService s, bool prepared = true)
        {
            Assert.Equal(["upgrade-empty", "upgrade-ongoing", "upgrade-prepare"], s.List().Select(d => d.TransactionalId).Order(StringComparer.Ordinal));
            // The torn last line (epoch 4) is ignored.
            var empty = s.Describe("upgrade-empty")!;
            Assert.Equal((7L, (short)3, TransactionState.Empty), (empty.ProducerId, empty.ProducerEpoch, empty.State));
            var ongoing = s.Describe("upgrade-ongoing")!;
            Assert.Equal((TransactionState.Ongoing, 1_700_000_001_000L), (ongoing.State, ongoing.StartTimeMs));
            Assert.Equal(["orders-0", "orders-1"], ongoing.Partitions.Select(p => p.ToString()).Order(StringComparer.Ordinal));
            Assert.True(s.HasPendingOffset("upgrade-group", "in", 0));
            Assert.Equal(ErrorCode.None, s.VerifyGroup("upgrade-ongoing", 8, 0, "upgrade-group"));
            Assert.Equal(ErrorCode.None, s.VerifyProduce(8, 0, "orders", 1));
            var prepare = s.Describe("upgrade-prepare")!;
            Assert.Equal((10L, (short)5, prepared ? TransactionState.PrepareCommit : TransactionState.CompleteCommit), (prepare.ProducerId, prepare.ProducerEpoch, prepare.State));
            Assert.Null(s.Describe("upgrade-expired"));
        }
    }

    /// <summary>Batches of the local metadata log holding transaction records, and those records.</summary>
    private static (int Batches, int Records) TransactionBatches(MetadataDir dir)
    {
        int batches = 0, records = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(dir.DataDir, LocalMetadataStore.DirectoryName), "*.log").Order(StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(file);
            for (int pos = 0; MetadataBatch.TryRead(bytes.AsSpan(pos), out _, out _, out int length) == MetadataBatchRead.Ok; pos += length)
            {
                int ours = MetadataBatch.Decode(bytes.AsMemory(pos, length)).Count(r => TransactionRecords.IsTransactionRecord(r.Type));
                if (ours == 0) continue;
                batches++;
                records += ours;
            }
        }
        return (batches, records);
    }
}
