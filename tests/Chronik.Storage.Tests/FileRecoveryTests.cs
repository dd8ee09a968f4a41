using Chronik.Storage.Disk;

namespace Chronik.Storage.Tests;

/// <summary>What only the file store does: survive restarts and crashes.</summary>
public sealed class FileRecoveryTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-recovery-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTime _time = new();

    private string PartitionDir => Path.Combine(_dataDir, "orders-3");
    private string SegmentPath(long baseOffset) => Path.Combine(PartitionDir, $"{baseOffset:D20}.log");

    private FileLogStore Open() => FileLogStore.Open(_dataDir, new FileLogStoreOptions { Time = _time });

    private static LogConfig SmallSegments => LogConfig.Default with { SegmentBytes = 2000, IndexIntervalBytes = 256, RetentionMs = -1 };

    /// <summary>Appends <paramref name="count"/> batches of 3 records (~300 bytes) and returns their sizes.</summary>
    private static async Task<List<int>> AppendBatches(IPartitionLog log, int count, long baseTimestamp = 1000)
    {
        var sizes = new List<int>();
        for (int i = 0; i < count; i++)
        {
            var batch = TestBatches.Build(3, valueSize: 80, baseTimestamp: baseTimestamp + i * 10);
            await log.AppendAsync(batch, AppendOptions.Default);
            sizes.Add(batch.Length);
        }
        return sizes;
    }

    /// <summary>Pretends the last checkpoint happened at <paramref name="offset"/>, as after a crash (which leaves no clean-shutdown file).</summary>
    private void SetRecoveryPoint(long offset)
    {
        CheckpointFile.Write(Path.Combine(PartitionDir, SegmentFiles.RecoveryPointFile), offset);
        File.Delete(Path.Combine(_dataDir, CleanShutdownFile.Name));
    }

    [Fact]
    public async Task Restart_KeepsDataOffsetsStartOffsetAndTimestamps()
    {
        await using (var store = Open())
        {
            var log = store.GetOrCreate("orders", 3, SmallSegments);
            await AppendBatches(log, 20);
            log.DeleteRecordsBefore(10);
        }
        await using (var store = Open())
        {
            var log = Assert.IsAssignableFrom<IPartitionLog>(store.Get("orders", 3));
            Assert.Equal([("orders", 3)], store.Partitions);
            Assert.Equal(60, log.LogEndOffset);
            Assert.Equal(10, log.LogStartOffset);
            Assert.True(log.SegmentCount > 1);
            Assert.Equal(0, store.Stats.RecoveryScannedBytes); // clean shutdown: nothing to verify
            Assert.Equal(new TimestampAndOffset(1092, 27), log.FindOffsetByTimestamp(1090));
            Assert.Equal(new TimestampAndOffset(1192, 57), log.GetMaxTimestamp());
            using var read = log.Read(10, int.MaxValue, log.HighWatermark);
            Assert.Equal(9, TestBatches.Headers(read.Records.Span)[0].BaseOffset);

            var next = await log.AppendAsync(TestBatches.Build(1), AppendOptions.Default);
            Assert.Equal(60, next.BaseOffset);
        }
    }

    [Fact]
    public async Task TornTail_IsCutAtTheLastWholeBatch_AndAppendsContinue()
    {
        List<int> sizes;
        await using (var store = Open()) sizes = await AppendBatches(store.GetOrCreate("orders", 3, LogConfig.Default), 5);
        SetRecoveryPoint(6); // crash after batch 2 was checkpointed
        using (var file = new FileStream(SegmentPath(0), FileMode.Open)) file.SetLength(file.Length - 40);

        await using (var store = Open())
        {
            var log = store.Get("orders", 3)!;
            Assert.Equal(12, log.LogEndOffset);
            Assert.Equal(sizes.Take(4).Sum(), new FileInfo(SegmentPath(0)).Length);
            Assert.Equal(sizes.Skip(2).Take(2).Sum(), store.Stats.RecoveryScannedBytes);
            var next = await log.AppendAsync(TestBatches.Build(2), AppendOptions.Default);
            Assert.Equal(12, next.BaseOffset);
            Assert.Equal([0L, 3, 6, 9, 12], ReadAll(log));
        }
    }

    [Fact]
    public async Task CorruptByteInTheTail_FailsTheCrc_AndIsCut()
    {
        List<int> sizes;
        await using (var store = Open()) sizes = await AppendBatches(store.GetOrCreate("orders", 3, LogConfig.Default), 5);
        SetRecoveryPoint(3);
        FlipByte(SegmentPath(0), sizes.Take(3).Sum() + 100); // inside batch 3 (offsets 9..11)

        await using var reopened = Open();
        var log = reopened.Get("orders", 3)!;
        Assert.Equal(9, log.LogEndOffset);
        Assert.Equal([0L, 3, 6], ReadAll(log));
    }

    [Fact]
    public async Task CorruptSegment_DropsTheSegmentsAfterIt()
    {
        List<int> sizes;
        await using (var store = Open()) sizes = await AppendBatches(store.GetOrCreate("orders", 3, SmallSegments), 20);
        Assert.True(File.Exists(SegmentPath(18)));
        SetRecoveryPoint(0);
        FlipByte(SegmentPath(0), sizes[0] + 100); // batch at offset 3

        await using var reopened = Open();
        var log = reopened.Get("orders", 3)!;
        Assert.Equal(3, log.LogEndOffset);
        Assert.Equal(1, log.SegmentCount);
        Assert.False(File.Exists(SegmentPath(18)));
    }

    /// <summary>
    /// Recovery trusts bytes below the recovery point: a flipped payload byte there goes unnoticed, which
    /// shows only the tail was CRC-checked. With the recovery point reset, the same damage is found.
    /// </summary>
    [Fact]
    public async Task Recovery_VerifiesOnlyTheTailAfterTheRecoveryPoint()
    {
        List<int> sizes;
        await using (var store = Open()) sizes = await AppendBatches(store.GetOrCreate("orders", 3, LogConfig.Default), 10);
        SetRecoveryPoint(15); // batches 0..4 flushed and checkpointed
        FlipByte(SegmentPath(0), sizes[0] + 100); // payload of batch 1, below the recovery point

        await using (var store = Open())
        {
            Assert.Equal(30, store.Get("orders", 3)!.LogEndOffset);
            Assert.Equal(sizes.Skip(5).Sum(), store.Stats.RecoveryScannedBytes);
        }
        SetRecoveryPoint(0);
        await using (var store = Open())
        {
            Assert.Equal(3, store.Get("orders", 3)!.LogEndOffset);
        }
    }

    [Fact]
    public async Task MissingIndexes_AreRebuilt()
    {
        await using (var store = Open()) await AppendBatches(store.GetOrCreate("orders", 3, SmallSegments), 20);
        foreach (var f in Directory.EnumerateFiles(PartitionDir, "*index")) File.Delete(f);

        await using var reopened = Open();
        var log = reopened.Get("orders", 3)!;
        Assert.Equal(60, log.LogEndOffset);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 3L), ReadAll(log));
        Assert.Equal(new TimestampAndOffset(1152, 45), log.FindOffsetByTimestamp(1150));
        Assert.NotEmpty(Directory.EnumerateFiles(PartitionDir, "*.timeindex"));
    }

    [Fact]
    public async Task DeletePartition_RemovesItsDirectory()
    {
        await using var store = Open();
        await AppendBatches(store.GetOrCreate("orders", 3, LogConfig.Default), 2);
        store.DeletePartition("orders", 3);
        Assert.False(Directory.Exists(PartitionDir));
    }

    private static List<long> ReadAll(IPartitionLog log)
    {
        var offsets = new List<long>();
        for (long offset = log.LogStartOffset; offset < log.HighWatermark;)
        {
            using var read = log.Read(offset, int.MaxValue, log.HighWatermark);
            var headers = TestBatches.Headers(read.Records.Span);
            offsets.AddRange(headers.Select(h => h.BaseOffset));
            offset = headers[^1].LastOffset + 1;
        }
        return offsets;
    }

    private static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open);
        file.Position = position;
        int b = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(b ^ 0xFF));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
