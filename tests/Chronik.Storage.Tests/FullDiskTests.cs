using System.Diagnostics;
using Chronik.Storage.Disk;
using Xunit.Abstractions;

namespace Chronik.Storage.Tests;

/// <summary>
/// A real full disk: the store on a 4 MiB tmpfs (needs root to mount; otherwise the test only says so). Appends that
/// find no space answer <see cref="LogError.StorageError"/>, nothing half-written becomes visible, and appends work
/// again once space is freed.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "chronik-fulldisk-" + Guid.NewGuid().ToString("N"));
    private bool _mounted;

    private static LogConfig Config => LogConfig.Default with { SegmentBytes = 512 * 1024, RetentionMs = -1 };

    [Fact]
    public async Task FullDisk_RefusesAppends_KeepsAcknowledged_ResumesWhenSpaceIsFreed()
    {
        if (!Environment.IsPrivilegedProcess || !OperatingSystem.IsLinux())
        {
            output.WriteLine("skipped: mounting a tmpfs needs root on Linux");
            return;
        }
        Directory.CreateDirectory(_mount);
        Run("mount", $"-t tmpfs -o size=4m tmpfs {_mount}");
        _mounted = true;
        string dataDir = Path.Combine(_mount, "data");
        string ballast = Path.Combine(_mount, "ballast");
        File.WriteAllBytes(ballast, new byte[1024 * 1024]);

        var acknowledged = new List<long>();
        await using (var store = FileLogStore.Open(dataDir))
        {
            var log = store.GetOrCreate("t", 0, Config);
            AppendResult failed = default;
            for (int i = 0; i < 1000; i++)
            {
                var result = await log.AppendAsync(TestBatches.Build(8, valueSize: 4000, baseTimestamp: i), AppendOptions.Default);
                if (result.Error != LogError.None)
                {
                    failed = result;
                    break;
                }
                acknowledged.Add(result.BaseOffset);
            }
            Assert.Equal(LogError.StorageError, failed.Error);
            Assert.NotEmpty(acknowledged);
            long end = acknowledged[^1] + 8;
            Assert.Equal(end, log.LogEndOffset);
            Assert.Equal(end, log.HighWatermark);
            Assert.Equal(acknowledged, BaseOffsets(log));
            Assert.True(store.Stats.StorageErrors >= 1);

            // Still full: refused again, the log end stays.
            Assert.Equal(LogError.StorageError, (await log.AppendAsync(TestBatches.Build(8, valueSize: 4000), AppendOptions.Default)).Error);
            Assert.Equal(end, log.LogEndOffset);

            File.Delete(ballast);
            for (int i = 0; i < 5; i++)
            {
                var result = await log.AppendAsync(TestBatches.Build(8, valueSize: 4000), AppendOptions.Default);
                Assert.Equal(LogError.None, result.Error);
                Assert.Equal(end + i * 8, result.BaseOffset);
                acknowledged.Add(result.BaseOffset);
            }
            Assert.Equal(acknowledged, BaseOffsets(log));
        }
        await using (var store = FileLogStore.Open(dataDir))
        {
            var log = store.Get("t", 0)!;
            Assert.Equal(acknowledged[^1] + 8, log.LogEndOffset);
            Assert.Equal(acknowledged, BaseOffsets(log));
        }
    }

    private static List<long> BaseOffsets(IPartitionLog log)
    {
        var offsets = new List<long>();
        long offset = log.LogStartOffset;
        while (offset < log.HighWatermark)
        {
            using var read = log.Read(offset, 1 << 20, log.HighWatermark);
            Assert.Equal(LogError.None, read.Error);
            var headers = TestBatches.Headers(read.Records.Span);
            Assert.NotEmpty(headers);
            offsets.AddRange(headers.Select(h => h.BaseOffset));
            offset = headers[^1].LastOffset + 1;
        }
        return offsets;
    }

    private static void Run(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {args}: {error}");
    }

    public void Dispose()
    {
        if (_mounted) Run("umount", _mount);
        if (Directory.Exists(_mount)) Directory.Delete(_mount, recursive: true);
    }
}
