using Chronik.Protocol.Records;

namespace Chronik.Storage.Tests;

/// <summary>The behaviour every <see cref="ILogStore"/> must share; run once per implementation.</summary>
public abstract class LogStoreContract : IAsyncLifetime
{
    private ILogStore? _store;

    protected FakeTime Time { get; } = new();
    protected ILogStore Store => _store ??= CreateStore(Time);

    protected abstract ILogStore CreateStore(FakeTime time);

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
    }

    protected IPartitionLog Log(LogConfig? config = null, string topic = "t", int partition = 0) =>
        Store.GetOrCreate(topic, partition, config ?? LogConfig.Default);

    protected static async Task<AppendResult> Append(IPartitionLog log, byte[] batches, int epoch = 0)
    {
        var result = await log.AppendAsync(batches, new AppendOptions(epoch));
        Assert.Equal(LogError.None, result.Error);
        return result;
    }

    protected static List<RecordBatchHeader> ReadAll(IPartitionLog log, long from = 0, int maxBytes = int.MaxValue)
    {
        var headers = new List<RecordBatchHeader>();
        long offset = from;
        while (offset < log.HighWatermark)
        {
            using var read = log.Read(offset, maxBytes, log.HighWatermark);
            Assert.Equal(LogError.None, read.Error);
            var batch = TestBatches.Headers(read.Records.Span);
            Assert.NotEmpty(batch);
            headers.AddRange(batch);
            offset = batch[^1].LastOffset + 1;
        }
        return headers;
    }

    [Fact]
    public async Task Append_SignalsLongPolls_OnceTheRecordsAreReadable()
    {
        var log = Log();
        var other = Log(partition: 1);
        var advanced = log.Readable.Next;
        var elsewhere = other.Readable.Next;
        Assert.Same(advanced, log.Readable.Next); // one task for every waiter until the next advance
        Assert.False(advanced.IsCompleted);
        await Append(log, TestBatches.Build(2));
        await advanced.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, log.HighWatermark);
        Assert.False(log.Readable.Next.IsCompleted);
        Assert.False(elsewhere.IsCompleted); // another partition's waiters sleep on
    }

    [Fact]
    public async Task Append_AssignsConsecutiveOffsets_AndStampsEpoch()
    {
        var log = Log();
        var first = await Append(log, TestBatches.Build(3), epoch: 7);
        var second = await Append(log, TestBatches.Concat(TestBatches.Build(2), TestBatches.Build(4)), epoch: 7);

        Assert.Equal((0, 2), (first.BaseOffset, first.LastOffset));
        Assert.Equal((3, 8), (second.BaseOffset, second.LastOffset));
        Assert.Equal((2, 6), (second.BatchCount, second.RecordCount));
        Assert.Equal(-1, second.LogAppendTime);
        Assert.Equal(9, log.LogEndOffset);
        Assert.Equal(9, log.HighWatermark);
        var headers = ReadAll(log);
        Assert.Equal([0L, 3, 5], headers.Select(h => h.BaseOffset));
        Assert.All(headers, h => Assert.Equal(7, h.PartitionLeaderEpoch));
    }

    [Fact]
    public async Task Read_FromInsideABatch_ReturnsThatWholeBatch()
    {
        var log = Log();
        await Append(log, TestBatches.Build(5));
        await Append(log, TestBatches.Build(5));

        using var read = log.Read(7, 1 << 20, log.HighWatermark);
        var headers = TestBatches.Headers(read.Records.Span);
        Assert.Equal(5, Assert.Single(headers).BaseOffset);
    }

    [Fact]
    public async Task Read_StopsBeforeMaxBytes_WithWholeBatches()
    {
        var log = Log();
        var batch = TestBatches.Build(1, valueSize: 100);
        for (int i = 0; i < 10; i++) await Append(log, batch.ToArray());

        using var read = log.Read(0, batch.Length * 3 + batch.Length / 2, log.HighWatermark);
        Assert.Equal(3, TestBatches.Headers(read.Records.Span).Count);
        Assert.Equal(batch.Length * 3, read.Records.Length);
    }

    [Fact]
    public async Task Read_FirstBatchLargerThanMaxBytes_IsReturnedWhole()
    {
        var log = Log();
        var big = TestBatches.Build(10, valueSize: 1000);
        await Append(log, big.ToArray());
        await Append(log, TestBatches.Build(1));

        using var read = log.Read(3, 100, log.HighWatermark);
        Assert.Equal(big.Length, read.Records.Length);
        Assert.Equal(0, Assert.Single(TestBatches.Headers(read.Records.Span)).BaseOffset);
    }

    [Fact]
    public async Task Read_OutsideTheLog_ReportsOutOfRange_AndAtTheEndIsEmpty()
    {
        var log = Log();
        await Append(log, TestBatches.Build(4));
        log.DeleteRecordsBefore(2);

        using (var below = log.Read(1, 1000, log.HighWatermark)) Assert.Equal(LogError.OffsetOutOfRange, below.Error);
        using (var beyond = log.Read(5, 1000, log.HighWatermark)) Assert.Equal(LogError.OffsetOutOfRange, beyond.Error);
        using var atEnd = log.Read(4, 1000, log.HighWatermark);
        Assert.Equal(LogError.None, atEnd.Error);
        Assert.True(atEnd.Records.IsEmpty);
        Assert.Equal(4, atEnd.HighWatermark);
        Assert.Equal(2, atEnd.LogStartOffset);
    }

    [Fact]
    public async Task Read_ExcludesBatchesReachingMaxOffset()
    {
        var log = Log();
        await Append(log, TestBatches.Build(2));
        await Append(log, TestBatches.Build(2));
        await Append(log, TestBatches.Build(2));

        using var read = log.Read(0, 1 << 20, maxOffsetExclusive: 4);
        Assert.Equal([0L, 2], TestBatches.Headers(read.Records.Span).Select(h => h.BaseOffset));
        using var none = log.Read(4, 1 << 20, maxOffsetExclusive: 4);
        Assert.True(none.Records.IsEmpty);
    }

    [Fact]
    public async Task LogAppendTime_StampsTimestampType_MaxTimestamp_AndCrc()
    {
        var log = Log(LogConfig.Default with { MessageTimestampType = TimestampType.LogAppendTime });
        var result = await Append(log, TestBatches.Build(3, baseTimestamp: 5));

        Assert.Equal(Time.NowMs, result.LogAppendTime);
        var header = Assert.Single(ReadAll(log)); // ReadAll checks the CRC
        Assert.Equal(TimestampType.LogAppendTime, header.TimestampType);
        Assert.Equal(Time.NowMs, header.MaxTimestamp);
        Assert.Equal(5, header.BaseTimestamp);
    }

    [Fact]
    public async Task Append_RejectsOversizedAndMalformedBatches()
    {
        var log = Log(LogConfig.Default with { MaxMessageBytes = 500 });
        var tooLarge = await log.AppendAsync(TestBatches.Build(1, valueSize: 600), AppendOptions.Default);
        var truncated = await log.AppendAsync(TestBatches.Build(2).AsMemory(0, 70), AppendOptions.Default);
        var empty = await log.AppendAsync(Array.Empty<byte>(), AppendOptions.Default);

        Assert.Equal(LogError.MessageTooLarge, tooLarge.Error);
        Assert.Equal(LogError.CorruptMessage, truncated.Error);
        Assert.Equal(LogError.CorruptMessage, empty.Error);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public async Task FindOffsetByTimestamp_ReturnsFirstBatchReachingIt_AcrossSegments()
    {
        var log = Log(LogConfig.Default with { SegmentBytes = 600, IndexIntervalBytes = 100 });
        for (int i = 0; i < 20; i++) await Append(log, TestBatches.Build(2, valueSize: 50, baseTimestamp: 1000 + i * 10));
        Assert.True(log.SegmentCount > 3);

        Assert.Equal(new TimestampAndOffset(1001, 0), log.FindOffsetByTimestamp(0));
        Assert.Equal(new TimestampAndOffset(1101, 20), log.FindOffsetByTimestamp(1095));
        Assert.Equal(new TimestampAndOffset(1101, 20), log.FindOffsetByTimestamp(1101));
        Assert.Equal(new TimestampAndOffset(1191, 38), log.FindOffsetByTimestamp(1191));
        Assert.Null(log.FindOffsetByTimestamp(1192));
        Assert.Equal(new TimestampAndOffset(1191, 38), log.GetMaxTimestamp());
    }

    [Fact]
    public async Task FindOffsetByTimestamp_NeverAnswersBelowLogStart()
    {
        var log = Log();
        await Append(log, TestBatches.Build(4, baseTimestamp: 100));
        log.DeleteRecordsBefore(2);
        Assert.Equal(new TimestampAndOffset(103, 2), log.FindOffsetByTimestamp(0));
    }

    [Fact]
    public async Task DeleteRecords_MovesLogStart_AndDropsWholeSegmentsBelowIt()
    {
        var log = Log(LogConfig.Default with { SegmentBytes = 300 });
        for (int i = 0; i < 10; i++) await Append(log, TestBatches.Build(2, valueSize: 50));
        int segments = log.SegmentCount;

        Assert.Equal(new DeleteRecordsResult(LogError.OffsetOutOfRange, 0), log.DeleteRecordsBefore(21));
        Assert.Equal(new DeleteRecordsResult(LogError.None, 9), log.DeleteRecordsBefore(9));
        Assert.Equal(new DeleteRecordsResult(LogError.None, 9), log.DeleteRecordsBefore(3));
        Assert.Equal(9, log.LogStartOffset);
        Assert.True(log.SegmentCount < segments);
        Assert.Equal(8, ReadAll(log, 9)[0].BaseOffset); // the batch holding offset 9 starts at 8

        Assert.Equal(new DeleteRecordsResult(LogError.None, 20), log.DeleteRecordsBefore(-1));
        Assert.Equal(1, log.SegmentCount);
        var next = await Append(log, TestBatches.Build(1));
        Assert.Equal(20, next.BaseOffset);
    }

    [Fact]
    public async Task Segments_RollBySize_AndReadsCrossThem()
    {
        var log = Log(LogConfig.Default with { SegmentBytes = 1000 });
        var batch = TestBatches.Build(3, valueSize: 100);
        for (int i = 0; i < 12; i++) await Append(log, batch.ToArray());

        int perSegment = 1000 / batch.Length;
        Assert.Equal((12 + perSegment - 1) / perSegment, log.SegmentCount);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 3L), ReadAll(log).Select(h => h.BaseOffset));
        Assert.Equal(batch.Length * 12L, log.SizeInBytes);
    }

    [Fact]
    public async Task Segments_RollByTime()
    {
        var log = Log(LogConfig.Default with { SegmentMs = 60_000 });
        await Append(log, TestBatches.Build(1));
        Time.Advance(TimeSpan.FromSeconds(59));
        await Append(log, TestBatches.Build(1));
        Assert.Equal(1, log.SegmentCount);
        Time.Advance(TimeSpan.FromSeconds(1));
        await Append(log, TestBatches.Build(1));
        Assert.Equal(2, log.SegmentCount);
    }

    [Fact]
    public async Task Retention_BySize_KeepsAtLeastRetentionBytes_AndTheActiveSegment()
    {
        var batch = TestBatches.Build(1, valueSize: 200);
        var log = Log(LogConfig.Default with { SegmentBytes = batch.Length * 2, RetentionBytes = batch.Length * 3, RetentionMs = -1 });
        for (int i = 0; i < 10; i++) await Append(log, batch.ToArray());
        Assert.Equal(5, log.SegmentCount);

        var result = log.ApplyRetention(Time.GetUtcNow());

        Assert.Equal(3, result.SegmentsDeleted);
        Assert.Equal(batch.Length * 6L, result.BytesDeleted);
        Assert.Equal(6, log.LogStartOffset);
        Assert.Equal(6, ReadAll(log, 6)[0].BaseOffset);
        using var gone = log.Read(5, 1000, log.HighWatermark);
        Assert.Equal(LogError.OffsetOutOfRange, gone.Error);

        log.UpdateConfig(log.Config with { RetentionBytes = 0 });
        log.ApplyRetention(Time.GetUtcNow());
        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(10, log.LogEndOffset);
    }

    [Fact]
    public async Task Retention_ByTime_UsesTheSegmentsLargestTimestamp()
    {
        long now = Time.NowMs;
        var log = Log(LogConfig.Default with { SegmentBytes = 1, RetentionMs = 10_000 });
        await Append(log, TestBatches.Build(1, baseTimestamp: now - 30_000));
        await Append(log, TestBatches.Build(1, baseTimestamp: now - 20_000));
        await Append(log, TestBatches.Build(1, baseTimestamp: now - 5_000));
        await Append(log, TestBatches.Build(1, baseTimestamp: now - 60_000)); // active: never deleted
        Assert.Equal(4, log.SegmentCount);

        Assert.Equal(2, log.ApplyRetention(Time.GetUtcNow()).SegmentsDeleted);
        Assert.Equal(2, log.LogStartOffset);
        Assert.Equal(0, log.ApplyRetention(Time.GetUtcNow()).SegmentsDeleted);
        Assert.Equal(1, log.ApplyRetention(Time.GetUtcNow().AddSeconds(10)).SegmentsDeleted);
        Assert.Equal(3, log.LogStartOffset);
        Assert.Equal(1, log.SegmentCount);
    }

    [Fact]
    public async Task Store_ListsAndDeletesPartitions()
    {
        await Append(Log(topic: "a-b", partition: 0), TestBatches.Build(1));
        Log(topic: "a-b", partition: 1);
        Assert.Equal([("a-b", 0), ("a-b", 1)], Store.Partitions.Order());
        Assert.Same(Store.Get("a-b", 0), Log(topic: "a-b", partition: 0));

        Store.DeletePartition("a-b", 0);
        Assert.Null(Store.Get("a-b", 0));
        Assert.Equal(0, Log(topic: "a-b", partition: 0).LogEndOffset);
    }

    [Fact]
    public async Task ConcurrentAppends_GetDistinctContiguousOffsets()
    {
        var log = Log();
        var tasks = Enumerable.Range(0, 50).Select(_ => log.AppendAsync(TestBatches.Build(2), AppendOptions.Default).AsTask()).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 2L), results.Select(r => r.BaseOffset).Order());
        Assert.Equal(100, log.LogEndOffset);
        Assert.Equal(50, ReadAll(log).Count);
        Assert.True(Store.Stats.BytesAppended > 0);
    }

    [Fact]
    public async Task ReadsDuringAppendsAndRetention_SeeOnlyWholeValidBatches()
    {
        var log = Log(LogConfig.Default with { SegmentBytes = 4000, IndexIntervalBytes = 500, RetentionBytes = 20_000, RetentionMs = -1, Durable = false });
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            long reads = 0;
            do
            {
                long offset = Math.Max(log.LogStartOffset, log.HighWatermark - 40);
                using var read = log.Read(offset, 3000, log.HighWatermark);
                if (read.Error == LogError.OffsetOutOfRange) continue; // retention overtook us
                var headers = TestBatches.Headers(read.Records.Span);
                if (headers.Count > 0) Assert.InRange(offset, headers[0].BaseOffset, headers[0].LastOffset);
                reads++;
            }
            // A reader preempted between computing its offset and reading can find retention past it when the
            // appends are already over: read once more then, so the test always checks at least one read.
            while (!stop.IsCancellationRequested || reads == 0);
            return reads;
        });
        for (int i = 0; i < 500; i++)
        {
            await Append(log, TestBatches.Build(4, valueSize: 40));
            if (i % 50 == 0) log.ApplyRetention(Time.GetUtcNow());
        }
        await stop.CancelAsync();
        Assert.True(await reader > 0);
        Assert.Equal(2000, log.LogEndOffset);
    }
}

/// <summary>The contract against the in-memory store.</summary>
public sealed class MemoryLogStoreTests : LogStoreContract
{
    protected override ILogStore CreateStore(FakeTime time) => new Memory.MemoryLogStore(time);
}
