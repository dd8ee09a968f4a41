using System.Diagnostics.Metrics;
using Chronik.Storage.Disk;

namespace Chronik.Storage.Tests;

/// <summary>Durable appends wait for fsync, one flusher serves all partitions (group commit), relaxed ones do not wait.</summary>
public sealed class DurabilityTests : IAsyncLifetime, IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-durability-" + Guid.NewGuid().ToString("N"));
    private readonly ManualResetEventSlim _fsyncGate = new(true);
    private readonly SemaphoreSlim _fsyncEntered = new(0);
    private FileLogStore _store = null!;

    public Task InitializeAsync()
    {
        _store = FileLogStore.Open(_dataDir, new FileLogStoreOptions { Time = new FakeTime() });
        _store.BeforeFsync = () =>
        {
            _fsyncEntered.Release();
            _fsyncGate.Wait();
        };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _fsyncGate.Set();
        await _store.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    public void Dispose()
    {
        _fsyncGate.Dispose();
        _fsyncEntered.Dispose();
    }

    [Fact]
    public async Task DurableAppend_CompletesOnlyAfterItsFsync()
    {
        _fsyncGate.Reset();
        var log = _store.GetOrCreate("t", 0, LogConfig.Default);

        var append = log.AppendAsync(TestBatches.Build(3), AppendOptions.Default).AsTask();
        Assert.True(await _fsyncEntered.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, log.LogEndOffset); // written before the first await, then waits for the disk
        await Task.Delay(100);
        Assert.False(append.IsCompleted);
        Assert.Equal(0, _store.Stats.FsyncCount);

        _fsyncGate.Set();
        var result = await append.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, result.BaseOffset);
        Assert.True(_store.Stats.FsyncCount >= 1);
    }

    [Fact]
    public async Task DurableAppend_IsReadableOnlyAfterItsFsync()
    {
        var log = _store.GetOrCreate("t", 0, LogConfig.Default);
        await log.AppendAsync(TestBatches.Build(2), AppendOptions.Default);
        Assert.Equal(2, log.HighWatermark);

        _fsyncGate.Reset();
        var append = log.AppendAsync(TestBatches.Build(3), AppendOptions.Default).AsTask();
        Assert.True(await _fsyncEntered.WaitAsync(TimeSpan.FromSeconds(10)));
        // Written, but not yet durable: the high watermark (what fetches read up to) stays behind the log end.
        Assert.Equal(5, log.LogEndOffset);
        Assert.Equal(2, log.HighWatermark);
        using (var read = log.Read(2, 1 << 20, log.HighWatermark)) Assert.Equal(0, read.Length);

        _fsyncGate.Set();
        await append.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, log.HighWatermark);
    }

    [Fact]
    public async Task DurableAppend_SignalsLongPollsWhenItsFsyncCompletes_NotBefore()
    {
        var log = _store.GetOrCreate("t", 0, LogConfig.Default);
        _fsyncGate.Reset();
        var advanced = log.Readable.Next;
        var append = log.AppendAsync(TestBatches.Build(3), AppendOptions.Default).AsTask();
        Assert.True(await _fsyncEntered.WaitAsync(TimeSpan.FromSeconds(10)));
        await Task.Delay(50);
        Assert.False(advanced.IsCompleted); // written, not yet readable: a woken fetch would find nothing

        _fsyncGate.Set();
        await advanced.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, log.HighWatermark);
        await append;
    }

    [Fact]
    public async Task DurableAppend_WhoseWaiterGivesUp_StillBecomesReadable()
    {
        var log = _store.GetOrCreate("t", 0, LogConfig.Default);
        _fsyncGate.Reset();
        using var cts = new CancellationTokenSource();
        var append = log.AppendAsync(TestBatches.Build(3), AppendOptions.Default, cts.Token).AsTask();
        Assert.True(await _fsyncEntered.WaitAsync(TimeSpan.FromSeconds(10)));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => append);
        Assert.Equal(0, log.HighWatermark);

        _fsyncGate.Set();
        for (int i = 0; i < 500 && log.HighWatermark != 3; i++) await Task.Delay(10);
        Assert.Equal(3, log.HighWatermark);
    }

    [Fact]
    public async Task RelaxedAppend_IsReadableAtOnce()
    {
        _fsyncGate.Reset();
        var log = _store.GetOrCreate("t", 0, LogConfig.Default with { Durable = false });
        await log.AppendAsync(TestBatches.Build(3), AppendOptions.Default);
        Assert.Equal(3, log.HighWatermark);
    }

    [Fact]
    public async Task RelaxedAppend_CompletesWithoutFsync()
    {
        _fsyncGate.Reset();
        var log = _store.GetOrCreate("t", 0, LogConfig.Default with { Durable = false });

        var append = log.AppendAsync(TestBatches.Build(3), AppendOptions.Default).AsTask();
        Assert.True(append.IsCompletedSuccessfully);
        await append;
        Assert.Equal(0, _store.Stats.FsyncCount);
    }

    [Fact]
    public async Task FlushMessages_RelaxesDurability_AndFlushesInTheBackground()
    {
        var log = _store.GetOrCreate("t", 0, LogConfig.Default with { FlushIntervalMessages = 5 });
        Assert.True(log.AppendAsync(TestBatches.Build(3), AppendOptions.Default).AsTask().IsCompletedSuccessfully);
        Assert.Equal(0, _store.Stats.FsyncCount);
        Assert.True(log.AppendAsync(TestBatches.Build(3), AppendOptions.Default).AsTask().IsCompletedSuccessfully);
        for (int i = 0; i < 200 && _store.Stats.FsyncCount == 0; i++) await Task.Delay(10);
        Assert.Equal(1, _store.Stats.FsyncCount);
    }

    [Fact]
    public async Task GroupCommit_ManyConcurrentAppendsAcrossPartitions_ShareFewFsyncs()
    {
        var logs = Enumerable.Range(0, 10).Select(p => _store.GetOrCreate("t", p, LogConfig.Default)).ToArray();
        _fsyncGate.Reset();
        var first = logs[0].AppendAsync(TestBatches.Build(1), AppendOptions.Default).AsTask();
        Assert.True(await _fsyncEntered.WaitAsync(TimeSpan.FromSeconds(10))); // the flusher is busy with round one

        var rest = Enumerable.Range(1, 99)
            .Select(i => Task.Run(() => logs[i % 10].AppendAsync(TestBatches.Build(1), AppendOptions.Default).AsTask()))
            .ToArray();
        await Task.Delay(100);
        Assert.All(rest, t => Assert.False(t.IsCompleted));
        _fsyncGate.Set();

        await first.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var task in rest) await task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(logs, l => Assert.Equal(10, l.LogEndOffset));
        Assert.InRange(_store.Stats.FsyncCount, 1, 20); // one round for the first append, about one fsync per partition after
    }

    [Fact]
    public async Task Fsyncs_ArePublishedAsMetrics()
    {
        var durations = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StorageStats.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "chronik.storage.fsync.duration") lock (durations) durations.Add(value);
        });
        listener.Start();
        var seen = new List<TimeSpan>();
        _store.Stats.FsyncCompleted += d => { lock (seen) seen.Add(d); };

        await _store.GetOrCreate("t", 0, LogConfig.Default).AppendAsync(TestBatches.Build(2), AppendOptions.Default);

        lock (durations) Assert.NotEmpty(durations);
        lock (seen) Assert.NotEmpty(seen);
        Assert.True(_store.Stats.BytesAppended > 0);
    }
}
