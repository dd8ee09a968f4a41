using Chronik.Storage.Disk;

namespace Chronik.Storage.Tests;

/// <summary>
/// The clean-shutdown file: a clean stop lets the next open skip the checkpoint reads and tail verification of every
/// partition left unchanged; a crash (no file), or a partition changed since, is recovered in full as before.
/// </summary>
public sealed class CleanShutdownTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-clean-" + Guid.NewGuid().ToString("N"));
    private readonly string _crashCopy = Path.Combine(Path.GetTempPath(), "chronik-clean-crash-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTime _time = new();

    private static LogConfig SmallSegments => LogConfig.Default with { SegmentBytes = 2000, IndexIntervalBytes = 256, RetentionMs = -1 };

    private FileLogStore Open(string? dir = null) => FileLogStore.Open(dir ?? _dataDir, new FileLogStoreOptions { Time = _time });

    private string MarkerPath => Path.Combine(_dataDir, CleanShutdownFile.Name);

    private static async Task Append(IPartitionLog log, int batches, long baseTimestamp = 1000)
    {
        for (int i = 0; i < batches; i++)
            Assert.Equal(LogError.None, (await log.AppendAsync(TestBatches.Build(3, valueSize: 80, baseTimestamp: baseTimestamp + i * 10), AppendOptions.Default)).Error);
    }

    private static List<long> ReadAll(IPartitionLog log)
    {
        using var read = log.Read(log.LogStartOffset, int.MaxValue, log.HighWatermark);
        return TestBatches.Headers(read.Records.Span).Select(h => h.BaseOffset).ToList();
    }

    [Fact]
    public async Task CleanStop_WritesTheFile_AndTheNextOpenTrustsEveryPartition_ThenRemovesIt()
    {
        await using (var store = Open())
        {
            await Append(store.GetOrCreate("orders", 0, SmallSegments), 20);
            await Append(store.GetOrCreate("orders", 1, LogConfig.Default), 2);
            store.GetOrCreate("orders", 2, LogConfig.Default); // never written: no log file at all
            store.GetOrCreate("orders", 0, SmallSegments).DeleteRecordsBefore(10);
        }
        Assert.True(File.Exists(MarkerPath));

        await using (var store = Open())
        {
            Assert.False(File.Exists(MarkerPath)); // gone before anything is served: a crash from here recovers fully
            Assert.Equal(3, store.OpenedFromCleanShutdown);
            Assert.Equal(0, store.Stats.RecoveryScannedBytes);
            var log = store.Get("orders", 0)!;
            Assert.Equal(60, log.LogEndOffset);
            Assert.Equal(10, log.LogStartOffset);
            Assert.True(log.SegmentCount > 1);
            Assert.Equal(new TimestampAndOffset(1192, 57), log.GetMaxTimestamp());
            Assert.Equal(new TimestampAndOffset(1092, 27), log.FindOffsetByTimestamp(1090));
            Assert.Equal(9, ReadAll(log)[0]);
            Assert.Equal(60, (await log.AppendAsync(TestBatches.Build(1), AppendOptions.Default)).BaseOffset);
            Assert.Equal([0L, 3], ReadAll(store.Get("orders", 1)!));
            Assert.Equal(new TimestampAndOffset(1012, 3), store.Get("orders", 1)!.GetMaxTimestamp());
            Assert.Equal(0, store.Get("orders", 2)!.LogEndOffset);
            Assert.Equal(0, (await store.Get("orders", 2)!.AppendAsync(TestBatches.Build(2), AppendOptions.Default)).BaseOffset);
        }

        await using (var store = Open())
        {
            Assert.Equal(3, store.OpenedFromCleanShutdown);
            Assert.Equal(61, store.Get("orders", 0)!.LogEndOffset);
            Assert.Equal([0L], ReadAll(store.Get("orders", 2)!));
        }
    }

    [Fact]
    public async Task EmptyPartitionWithASnapshot_KeepsItAcrossACleanStop()
    {
        await using (var store = Open())
        {
            store.GetOrCreate("orders", 0, LogConfig.Default).WriteProducerSnapshot(new ProducerSnapshot(0, []));
            store.GetOrCreate("orders", 1, LogConfig.Default);
        }
        await using (var store = Open())
        {
            Assert.Equal(2, store.OpenedFromCleanShutdown);
            Assert.Equal(0, store.Get("orders", 0)!.LoadProducerSnapshot(0)!.Offset);
            Assert.Null(store.Get("orders", 1)!.LoadProducerSnapshot(0));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dataDir, "orders-1"))); // opened without creating anything
        }
    }

    [Fact]
    public async Task TailChangedAfterACleanStop_IsVerifiedAndCut()
    {
        await using (var store = Open()) await Append(store.GetOrCreate("orders", 0, LogConfig.Default), 3);
        string segment = Path.Combine(_dataDir, "orders-0", $"{0:D20}.log");
        long size = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Append)) file.Write(new byte[100]);

        await using var reopened = Open();
        Assert.Equal(0, reopened.OpenedFromCleanShutdown);
        Assert.Equal(9, reopened.Get("orders", 0)!.LogEndOffset);
        Assert.Equal(size, new FileInfo(segment).Length);
    }

    [Fact]
    public async Task CrashAfterACleanStart_RecoversEveryPartitionFully()
    {
        await using (var store = Open()) await Append(store.GetOrCreate("orders", 0, LogConfig.Default), 3);

        await using (var store = Open())
        {
            Assert.Equal(1, store.OpenedFromCleanShutdown);
            await Append(store.GetOrCreate("orders", 0, LogConfig.Default), 2);
            // A crash now: the files as they are on disk, no final checkpoint, no clean-shutdown file.
            CopyDirectory(_dataDir, _crashCopy);
        }
        string segment = Path.Combine(_crashCopy, "orders-0", $"{0:D20}.log");
        using (var file = new FileStream(segment, FileMode.Open)) file.SetLength(file.Length - 40); // the last batch torn

        await using var crashed = Open(_crashCopy);
        Assert.Equal(0, crashed.OpenedFromCleanShutdown);
        var log = crashed.Get("orders", 0)!;
        Assert.Equal(12, log.LogEndOffset);
        Assert.True(crashed.Stats.RecoveryScannedBytes > 0);
        Assert.Equal([0L, 3, 6, 9], ReadAll(log));
    }

    [Fact]
    public async Task DamagedFile_IsIgnored_AndEveryPartitionRecovers()
    {
        await using (var store = Open()) await Append(store.GetOrCreate("orders", 0, LogConfig.Default), 3);
        var lines = File.ReadAllLines(MarkerPath);
        File.WriteAllLines(MarkerPath, lines[..^1]); // the end line lost

        await using var reopened = Open();
        Assert.False(File.Exists(MarkerPath));
        Assert.Equal(0, reopened.OpenedFromCleanShutdown);
        Assert.Equal(9, reopened.Get("orders", 0)!.LogEndOffset);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    public void Dispose()
    {
        foreach (var dir in new[] { _dataDir, _crashCopy })
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
