using Chronik.Storage.Disk;

namespace Chronik.Storage.Tests;

/// <summary>The file store's descriptors: a bounded cache of open segment files, indexes loaded on demand.</summary>
public sealed class FileHandleTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-handles-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTime _time = new();

    private static LogConfig SmallSegments => LogConfig.Default with { SegmentBytes = 2000, IndexIntervalBytes = 256, RetentionMs = -1 };

    private FileLogStore Open(int maxOpen) =>
        FileLogStore.Open(_dataDir, new FileLogStoreOptions { Time = _time, MaxOpenSegmentFiles = maxOpen });

    private static byte[] Batch(int i) => TestBatches.Build(3, valueSize: 80, baseTimestamp: 1000 + i * 10);

    private static List<long> BaseOffsets(IPartitionLog log)
    {
        var offsets = new List<long>();
        long offset = 0;
        while (offset < log.HighWatermark)
        {
            using var read = log.Read(offset, 700, log.HighWatermark);
            Assert.Equal(LogError.None, read.Error);
            var headers = TestBatches.Headers(read.Records.Span);
            Assert.NotEmpty(headers);
            offsets.AddRange(headers.Select(h => h.BaseOffset));
            offset = headers[^1].LastOffset + 1;
        }
        return offsets;
    }

    [Fact]
    public async Task ManyPartitions_WithFourOpenFiles_ReadAndWriteEverything()
    {
        const int partitions = 40, batches = 20; // 4 segments per partition
        await using (var store = Open(maxOpen: 4))
        {
            for (int i = 0; i < batches; i++)
            {
                for (int p = 0; p < partitions; p++)
                {
                    var result = await store.GetOrCreate("t", p, SmallSegments).AppendAsync(Batch(i), AppendOptions.Default);
                    Assert.Equal(LogError.None, result.Error);
                    Assert.True(store.OpenSegmentFiles <= 4, $"{store.OpenSegmentFiles} files open");
                }
            }
            for (int p = 0; p < partitions; p++)
            {
                var log = store.Get("t", p)!;
                Assert.True(log.SegmentCount > 2);
                Assert.Equal(Enumerable.Range(0, batches).Select(i => i * 3L), BaseOffsets(log));
                Assert.True(store.OpenSegmentFiles <= 4, $"{store.OpenSegmentFiles} files open");
            }
        }
        await using (var store = Open(maxOpen: 4))
        {
            Assert.True(store.OpenSegmentFiles <= 4, $"{store.OpenSegmentFiles} files open after recovery");
            for (int p = 0; p < partitions; p++)
            {
                var log = store.Get("t", p)!;
                Assert.Equal(Enumerable.Range(0, batches).Select(i => i * 3L), BaseOffsets(log));
                Assert.Equal(new TimestampAndOffset(1052, 15), log.FindOffsetByTimestamp(1050));
                await log.AppendAsync(Batch(batches), AppendOptions.Default);
                Assert.Equal(Enumerable.Range(0, batches + 1).Select(i => i * 3L), BaseOffsets(log));
            }
        }
    }

    [Fact]
    public async Task NewPartitions_HoldNoOpenFile_UntilWritten()
    {
        await using var store = Open(maxOpen: 100);
        for (int p = 0; p < 50; p++) store.GetOrCreate("idle", p, LogConfig.Default);
        Assert.Equal(0, store.OpenSegmentFiles);
        await store.Get("idle", 7)!.AppendAsync(Batch(0), AppendOptions.Default);
        Assert.Equal(1, store.OpenSegmentFiles);
        Assert.Equal([0L], BaseOffsets(store.Get("idle", 7)!));
    }

    [Fact]
    public async Task ClosedSegments_AfterRestart_HoldNoHandleNorIndexes_UntilRead()
    {
        await using (var store = Open(maxOpen: 100))
        {
            var log = store.GetOrCreate("t", 0, SmallSegments);
            for (int i = 0; i < 20; i++) await log.AppendAsync(Batch(i), AppendOptions.Default);
        }
        await using (var store = Open(maxOpen: 100))
        {
            Assert.Equal(0, store.OpenSegmentFiles); // recovery read the active segment's tail, then let it go
            var log = (FilePartitionLog)store.Get("t", 0)!;
            var closed = log.Segments.Take(log.Segments.Count - 1).ToList();
            Assert.True(closed.Count >= 2);
            Assert.All(closed, s => Assert.False(s.HandleOpen));
            Assert.All(closed, s => Assert.False(s.IndexesLoaded));

            Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 3L), BaseOffsets(log));
            Assert.All(closed, s => Assert.True(s.HandleOpen));
            Assert.Equal(new TimestampAndOffset(1052, 15), log.FindOffsetByTimestamp(1050));
        }
    }

    [Fact]
    public async Task A_deleted_partition_refuses_reads_by_timestamp_appends_and_record_deletion_with_ObjectDisposedException()
    {
        // A request that looked the partition up before its topic was deleted (the fuzzer's ListOffsets met it): each
        // operation that reads or changes the files under the append lock throws the one exception handlers map to
        // UNKNOWN_TOPIC_OR_PARTITION, never a read of released files.
        await using var store = Open(maxOpen: 1);
        var log = store.GetOrCreate("gone", 0, SmallSegments);
        var other = store.GetOrCreate("other", 0, SmallSegments);
        for (int i = 0; i < 20; i++) await log.AppendAsync(Batch(i), AppendOptions.Default);
        await other.AppendAsync(Batch(0), AppendOptions.Default); // takes the one descriptor: "gone" must reopen to read
        store.DeletePartition("gone", 0);
        Assert.Throws<ObjectDisposedException>(() => log.FindOffsetByTimestamp(1050));
        Assert.Throws<ObjectDisposedException>(() => log.DeleteRecordsBefore(3));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync(Batch(0), AppendOptions.Default));
        Assert.Equal(new TimestampAndOffset(1002, 0), other.FindOffsetByTimestamp(1000));
    }

    [Fact]
    public async Task EvictedClosedSegments_DropTheirIndexes_AndLoadThemAgain()
    {
        await using var store = Open(maxOpen: 2);
        var log = (FilePartitionLog)store.GetOrCreate("t", 0, SmallSegments);
        for (int i = 0; i < 30; i++) await log.AppendAsync(Batch(i), AppendOptions.Default);
        await log.FlushAsync(); // index entries reach their files: only then may they be dropped
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 3L), BaseOffsets(log));
        var closed = log.Segments.Take(log.Segments.Count - 1).ToList();
        Assert.Contains(closed, s => !s.HandleOpen && !s.IndexesLoaded);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 3L), BaseOffsets(log));
        Assert.Equal(new TimestampAndOffset(1202, 60), log.FindOffsetByTimestamp(1200));
        Assert.True(store.OpenSegmentFiles <= 2);
    }

    [Fact]
    public async Task IndexFileDeletedWhileDropped_IsRebuiltOnDemand()
    {
        await using (var store = Open(maxOpen: 100))
        {
            var log = store.GetOrCreate("t", 0, SmallSegments);
            for (int i = 0; i < 20; i++) await log.AppendAsync(Batch(i), AppendOptions.Default);
        }
        await using (var store = Open(maxOpen: 100))
        {
            var log = (FilePartitionLog)store.Get("t", 0)!;
            Assert.False(log.Segments[0].IndexesLoaded);
            File.Delete(SegmentFiles.IndexPath(Path.Combine(_dataDir, "t-0"), 0));
            File.Delete(SegmentFiles.TimeIndexPath(Path.Combine(_dataDir, "t-0"), 0));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 3L), BaseOffsets(log));
            Assert.Equal(new TimestampAndOffset(1002, 0), log.FindOffsetByTimestamp(1001));
            Assert.True(File.Exists(SegmentFiles.IndexPath(Path.Combine(_dataDir, "t-0"), 0)));
        }
    }

    [Fact]
    public async Task SegmentThatCannotBeOpened_FailsThatPartitionsReadsAndAppends_Only()
    {
        await using var store = Open(maxOpen: 1);
        var broken = store.GetOrCreate("t", 0, SmallSegments);
        var healthy = store.GetOrCreate("t", 1, SmallSegments);
        await broken.AppendAsync(Batch(0), AppendOptions.Default);
        await healthy.AppendAsync(Batch(0), AppendOptions.Default); // evicts the first partition's handle
        Directory.Delete(Path.Combine(_dataDir, "t-0"), recursive: true); // the disk lost it

        using (var read = broken.Read(0, 1000, broken.HighWatermark)) Assert.Equal(LogError.StorageError, read.Error);
        var append = await broken.AppendAsync(Batch(1), AppendOptions.Default);
        Assert.Equal(LogError.StorageError, append.Error);
        Assert.Equal(3, broken.LogEndOffset);
        Assert.Equal([0L], BaseOffsets(healthy));
        Assert.Equal(3, (await healthy.AppendAsync(Batch(1), AppendOptions.Default)).BaseOffset);
        Assert.Equal(2, store.Stats.StorageErrors);
    }

    [Fact]
    public async Task IdlePartitions_LeaveTheFlusherTick_OnceCheckpointed()
    {
        await using var store = Open(maxOpen: 100);
        for (int p = 0; p < 100; p++) store.GetOrCreate("t", p, LogConfig.Default);
        await WaitUntil(() => store.TickingCount == 0, "never-written partitions leave the tick list");
        for (int p = 0; p < 10; p++) await store.Get("t", p)!.AppendAsync(Batch(p), AppendOptions.Default);
        Assert.InRange(store.TickingCount, 1, 10);
        _time.Advance(TimeSpan.FromSeconds(6)); // past RecoveryPointInterval: the tick checkpoints them
        await WaitUntil(() => store.TickingCount == 0, "checkpointed partitions leave the tick list");
        Assert.All(Enumerable.Range(0, 10), p => Assert.Equal(3L, CheckpointFile.Read(Path.Combine(_dataDir, $"t-{p}", SegmentFiles.RecoveryPointFile))));
        await store.Get("t", 3)!.AppendAsync(Batch(9), AppendOptions.Default);
        Assert.Equal(1, store.TickingCount);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition(), what);
    }

    [Fact]
    public void RaiseSoftToHard_ReportsLimits()
    {
        if (!OperatingSystem.IsLinux()) return;
        var limit = FileDescriptorLimits.RaiseSoftToHard();
        Assert.NotNull(limit);
        Assert.True(limit.Value.Soft >= limit.Value.PreviousSoft);
        Assert.True(limit.Value.Soft <= limit.Value.Hard);
        Assert.Equal(limit.Value.Soft, FileDescriptorLimits.Current()!.Value.Soft);
        Assert.True(FileDescriptorLimits.DefaultMaxOpenSegmentFiles() >= 64);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
