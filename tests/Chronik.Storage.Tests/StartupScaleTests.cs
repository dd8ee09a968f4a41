using System.Diagnostics;
using Chronik.Storage.Disk;

namespace Chronik.Storage.Tests;

/// <summary>Opening and closing a store with many partitions: every partition recovered, the descriptor bound held.</summary>
public sealed class StartupScaleTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-startup-" + Guid.NewGuid().ToString("N"));

    private FileLogStore Open() => FileLogStore.Open(_dataDir, new FileLogStoreOptions { MaxOpenSegmentFiles = 8 });

    [Fact]
    public async Task ManyEmptyAndSomeWrittenPartitions_ReopenInParallel_WithEveryLogEndOffset()
    {
        const int empty = 3000, written = 40;
        await using (var store = Open())
        {
            for (int p = 0; p < empty; p++) store.GetOrCreate("empty", p, LogConfig.Default);
            for (int p = 0; p < written; p++)
            {
                var log = store.GetOrCreate("written", p, LogConfig.Default);
                for (int i = 0; i <= p % 3; i++)
                    Assert.Equal(LogError.None, (await log.AppendAsync(TestBatches.Build(2, valueSize: 50), AppendOptions.Default)).Error);
            }
        }

        var clock = Stopwatch.StartNew();
        await using (var store = Open())
        {
            // Generous for a shared CI machine: the sequential open this replaced took ≈ 0.5 s for 3,000 partitions.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"open took {clock.Elapsed}");
            Assert.Equal(empty + written, store.Partitions.Count());
            Assert.True(store.OpenSegmentFiles <= 8, $"{store.OpenSegmentFiles} files open after a parallel recovery");
            for (int p = 0; p < empty; p++) Assert.Equal(0, store.Get("empty", p)!.LogEndOffset);
            for (int p = 0; p < written; p++)
            {
                var log = store.Get("written", p)!;
                Assert.Equal(2L * (p % 3 + 1), log.LogEndOffset);
                Assert.Equal(log.LogEndOffset, log.HighWatermark);
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
