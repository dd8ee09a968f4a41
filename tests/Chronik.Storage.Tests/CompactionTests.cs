using System.Text;
using Chronik.Protocol.Records;
using Chronik.Storage.Compaction;
using Chronik.Storage.Disk;
using Chronik.Storage.Memory;

namespace Chronik.Storage.Tests;

/// <summary>The log cleaner against both stores, and the file store's crash-safe swap.</summary>
public sealed class CompactionTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-compaction-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTime _time = new();

    private static LogConfig Compacted => LogConfig.Default with
    {
        SegmentBytes = 4096, IndexIntervalBytes = 256, RetentionMs = -1, Compact = true, MinCleanableDirtyRatio = 0.01,
    };

    private string PartitionDir => Path.Combine(_dataDir, "changelog-0");

    private FileLogStore OpenFile() => FileLogStore.Open(_dataDir, new FileLogStoreOptions { Time = _time });

    private async Task<ILogStore> OpenStore(bool file) => file ? OpenFile() : await Task.FromResult<ILogStore>(new MemoryLogStore(_time));

    /// <summary>One batch of keyed records; a null value is a tombstone.</summary>
    private byte[] Batch(IEnumerable<(string Key, string? Value)> records, CompressionType compression = CompressionType.None,
        long producerId = -1, bool transactional = false)
    {
        using var builder = new RecordBatchBuilder(compression) { ProducerId = producerId, ProducerEpoch = (short)(producerId >= 0 ? 0 : -1), IsTransactional = transactional };
        foreach (var (key, value) in records)
        {
            builder.Append(_time.NowMs, (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(key), value is null ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(value));
        }
        return builder.ToArray();
    }

    /// <summary>Every record from offset 0 as (offset, key, value), walking over gaps the way a consumer does.</summary>
    private static List<(long Offset, string Key, string? Value)> ReadAll(IPartitionLog log)
    {
        var result = new List<(long, string, string?)>();
        long offset = log.LogStartOffset;
        while (offset < log.HighWatermark)
        {
            using var read = log.Read(offset, 1000, log.HighWatermark);
            Assert.Equal(LogError.None, read.Error);
            if (read.Length == 0) break;
            foreach (var entry in new RecordBatchEnumerator(read.Records.Span))
            {
                Assert.Equal(entry.Header.Crc, RecordBatchHeader.ComputeCrc(entry.Bytes));
                using var batch = DecodedRecordBatch.Open(entry.Bytes);
                foreach (var record in batch)
                {
                    long o = record.Offset(entry.Header);
                    if (o < offset || entry.Header.IsControl) continue;
                    result.Add((o, Encoding.UTF8.GetString(record.Key), record.ValueIsNull ? null : Encoding.UTF8.GetString(record.Value)));
                }
                offset = entry.Header.LastOffset + 1;
            }
        }
        return result;
    }

    /// <summary>10 updates of each of 20 keys (5 per batch, offsets 0..199), then tombstones for k0..k4 (offsets 200..204), then a fresh active segment.</summary>
    private async Task<IPartitionLog> Fill(ILogStore store, CompressionType compression = CompressionType.None)
    {
        var log = store.GetOrCreate("changelog", 0, Compacted);
        for (int round = 0; round < 10; round++)
        {
            for (int k = 0; k < 20; k += 5)
            {
                var records = Enumerable.Range(k, 5).Select(i => ($"k{i}", (string?)($"v{round}-{i}-" + new string('x', 40))));
                await log.AppendAsync(Batch(records, compression), AppendOptions.Default);
            }
        }
        await log.AppendAsync(Batch(Enumerable.Range(0, 5).Select(i => ($"k{i}", (string?)null)), compression), AppendOptions.Default);
        // Fill up the tombstones' segment so they are not in the active segment.
        while (log.SegmentCount < 2 || ((ICompactableLog)log).SnapshotSegments()[^1].BaseOffset <= 204)
        {
            await log.AppendAsync(Batch([("pad", new string('p', 500))], compression), AppendOptions.Default);
        }
        return log;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Clean_KeepsLatestPerKey_KeepsOffsets_ReadsAcrossGaps(bool file)
    {
        await using var store = await OpenStore(file);
        var log = await Fill(store);
        long leo = log.LogEndOffset;
        long sizeBefore = log.SizeInBytes;
        var active = ((ICompactableLog)log).SnapshotSegments()[^1];

        var result = LogCleaner.Clean(log, Compacted, _time.NowMs);

        Assert.True(result.Cleaned, result.Skipped);
        Assert.True(log.SizeInBytes < sizeBefore);
        Assert.Equal(leo, log.LogEndOffset);
        var records = ReadAll(log);
        var byKey = records.Where(r => r.Key != "pad").ToList();
        // k5..k19 keep their round-9 value at their original offset; k0..k4 are tombstones (not yet expired).
        for (int i = 5; i < 20; i++) Assert.Contains(byKey, r => r.Key == $"k{i}" && r.Value!.StartsWith($"v9-{i}-", StringComparison.Ordinal) && r.Offset == 180 + i);
        for (int i = 0; i < 5; i++) Assert.Contains(byKey, r => r.Key == $"k{i}" && r.Value is null && r.Offset == 200 + i);
        Assert.Equal(20, byKey.Count);
        Assert.Equal(records.Select(r => r.Offset).Order(), records.Select(r => r.Offset));
        // The active segment was not rewritten; the last pad before it kept its offset.
        var after = ((ICompactableLog)log).SnapshotSegments();
        Assert.Equal(active.BaseOffset, after[^1].BaseOffset);
        Assert.Equal(active.Size, after[^1].Size);

        // Reads starting inside a gap return the next retained batch.
        using var gap = log.Read(3, 100, log.HighWatermark);
        Assert.True(TestBatches.Headers(gap.Records.Span)[0].LastOffset >= 185);

        // Appends continue at the same LEO.
        var next = await log.AppendAsync(Batch([("k7", "new")]), AppendOptions.Default);
        Assert.Equal(leo, next.BaseOffset);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Clean_DropsTombstonesAfterDeleteRetention(bool file)
    {
        await using var store = await OpenStore(file);
        var log = await Fill(store);
        var config = Compacted with { DeleteRetentionMs = 60_000 };
        Assert.True(LogCleaner.Clean(log, config, _time.NowMs).Cleaned);
        Assert.Equal(5, ReadAll(log).Count(r => r.Value is null));

        // Nothing new is dirty, so force the next pass by rolling more segments.
        _time.Advance(TimeSpan.FromMinutes(2));
        for (int i = 0; i < 20; i++) await log.AppendAsync(Batch([("pad", new string('q', 500))]), AppendOptions.Default);
        var result = LogCleaner.Clean(log, config, _time.NowMs);
        Assert.True(result.Cleaned, result.Skipped);
        var records = ReadAll(log);
        Assert.DoesNotContain(records, r => r.Value is null);
        Assert.Equal(15, records.Count(r => r.Key != "pad"));
    }

    [Theory]
    [InlineData(true, CompressionType.Gzip)]
    [InlineData(false, CompressionType.Zstd)]
    public async Task Clean_CompressedBatches_KeepTheirCodec(bool file, CompressionType codec)
    {
        await using var store = await OpenStore(file);
        var log = await Fill(store, codec);
        Assert.True(LogCleaner.Clean(log, Compacted, _time.NowMs).Cleaned);
        using var read = log.Read(0, int.MaxValue, log.HighWatermark);
        var headers = TestBatches.Headers(read.Records.Span);
        Assert.All(headers, h => Assert.Equal(codec, h.Compression));
        // The round-9 batch of k5..k9 lost nothing (copied): it still spans offsets 185..189.
        Assert.Contains(headers, h => h.BaseOffset == 185 && h.LastOffsetDelta == 4 && h.RecordCount == 5);
        Assert.Equal(20, ReadAll(log).Count(r => r.Key != "pad"));
    }

    [Fact]
    public async Task Clean_RespectsMinCompactionLagAndDirtyRatio()
    {
        await using var store = new MemoryLogStore(_time);
        var log = await Fill(store);
        Assert.False(LogCleaner.Clean(log, Compacted with { MinCompactionLagMs = 60_000 }, _time.NowMs).Cleaned);
        Assert.True(LogCleaner.Clean(log, Compacted, _time.NowMs).Cleaned);
        // Everything below the active segment is clean now: ratio 0, nothing to do.
        var again = LogCleaner.Clean(log, Compacted with { MinCleanableDirtyRatio = 0.5 }, _time.NowMs);
        Assert.False(again.Cleaned);
    }

    [Fact]
    public async Task Clean_RemovesAbortedTransactionRecords()
    {
        await using var store = new MemoryLogStore(_time);
        var log = store.GetOrCreate("changelog", 0, Compacted);
        await log.AppendAsync(Batch([("a", "committed")]), AppendOptions.Default);
        await log.AppendAsync(Batch([("a", "aborted"), ("b", "aborted")], producerId: 7, transactional: true), AppendOptions.Default);
        await log.AppendAsync(ControlRecord.BuildTransactionMarker(ControlRecordType.Abort, 7, 0, 0, _time.NowMs), AppendOptions.Default);
        await log.AppendAsync(Batch([("c", "later")], producerId: 8, transactional: true), AppendOptions.Default);
        await log.AppendAsync(ControlRecord.BuildTransactionMarker(ControlRecordType.Commit, 8, 0, 0, _time.NowMs), AppendOptions.Default);
        while (log.SegmentCount < 2) await log.AppendAsync(Batch([("pad", new string('p', 500))]), AppendOptions.Default);

        Assert.True(LogCleaner.Clean(log, Compacted, _time.NowMs).Cleaned);
        var records = ReadAll(log).Where(r => r.Key != "pad").ToList();
        Assert.Equal([(0L, "a", (string?)"committed"), (4L, "c", "later")], records);
    }

    [Fact]
    public async Task Restart_AfterClean_KeepsCleanedData()
    {
        List<(long, string, string?)> expected;
        await using (var store = OpenFile())
        {
            var log = await Fill(store);
            Assert.True(LogCleaner.Clean(log, Compacted, _time.NowMs).Cleaned);
            expected = ReadAll(log);
        }
        Assert.DoesNotContain(Directory.EnumerateFiles(PartitionDir), f => f.EndsWith(SegmentFiles.CleanedSuffix, StringComparison.Ordinal) || f.EndsWith(".swap", StringComparison.Ordinal));
        await using (var store = OpenFile())
        {
            var log = store.Get("changelog", 0)!;
            Assert.Equal(expected, ReadAll(log));
        }
        // A crash (no clean shutdown, recovery point lost) still reads the gapped segments back whole.
        File.Delete(Path.Combine(PartitionDir, SegmentFiles.RecoveryPointFile));
        await using (var store = OpenFile())
        {
            Assert.Equal(expected, ReadAll(store.Get("changelog", 0)!));
        }
    }

    [Fact]
    public async Task Crash_BeforeSwapCommit_RollsBackToTheOriginalSegments()
    {
        List<(long, string, string?)> expected;
        await using (var store = OpenFile())
        {
            expected = ReadAll(await Fill(store));
        }
        // An unfinished clean: cleaned files with no manifest.
        File.WriteAllBytes(SegmentFiles.LogPath(PartitionDir, 0) + SegmentFiles.CleanedSuffix, [1, 2, 3]);
        File.WriteAllBytes(SegmentFiles.IndexPath(PartitionDir, 0) + SegmentFiles.CleanedSuffix, [1, 2, 3]);
        await using (var store = OpenFile())
        {
            Assert.Equal(expected, ReadAll(store.Get("changelog", 0)!));
        }
        Assert.DoesNotContain(Directory.EnumerateFiles(PartitionDir), f => f.EndsWith(SegmentFiles.CleanedSuffix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Crash_AfterSwapCommit_IsCompletedAtStartup(bool renamedAlready)
    {
        List<(long, string, string?)> expected;
        long first, second;
        await using (var store = OpenFile())
        {
            var log = await Fill(store);
            expected = ReadAll(log);
            var segments = ((ICompactableLog)log).SnapshotSegments();
            (first, second) = (segments[0].BaseOffset, segments[1].BaseOffset);
        }
        // A committed swap of a group merging the first two segments (their bytes concatenated, nothing removed).
        var merged = TestBatches.Concat(File.ReadAllBytes(SegmentFiles.LogPath(PartitionDir, first)), File.ReadAllBytes(SegmentFiles.LogPath(PartitionDir, second)));
        string target = SegmentFiles.LogPath(PartitionDir, first) + (renamedAlready ? "" : SegmentFiles.CleanedSuffix);
        File.WriteAllBytes(target, merged);
        if (renamedAlready)
        {
            File.Delete(SegmentFiles.IndexPath(PartitionDir, first));
            File.Delete(SegmentFiles.TimeIndexPath(PartitionDir, first));
        }
        CleanerSwap.WriteManifest(PartitionDir, [(first, (IReadOnlyList<long>)[first, second])]);

        await using (var store = OpenFile())
        {
            var log = store.Get("changelog", 0)!;
            Assert.Equal(expected, ReadAll(log));
            Assert.Equal(first, ((ICompactableLog)log).SnapshotSegments()[0].BaseOffset);
            Assert.NotEqual(second, ((ICompactableLog)log).SnapshotSegments()[1].BaseOffset);
        }
        Assert.False(File.Exists(SegmentFiles.LogPath(PartitionDir, second)));
        Assert.False(File.Exists(Path.Combine(PartitionDir, SegmentFiles.SwapManifestFile)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
