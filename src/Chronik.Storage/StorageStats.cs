using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Chronik.Storage;

/// <summary>
/// Counters of one store, also published through a <see cref="Meter"/> named "Chronik.Storage" so the broker
/// can export them (fsync count and duration, bytes appended, total log size).
/// </summary>
public sealed class StorageStats : IDisposable
{
    public const string MeterName = "Chronik.Storage";

    private readonly Meter _meter;
    private readonly Histogram<double> _fsyncDuration;
    private long _fsyncCount;
    private long _fsyncTicks;
    private long _bytesAppended;
    private long _recoveryScannedBytes;
    private long _storageErrors;

    internal StorageStats(Func<long> logSize, Func<long>? openFiles = null)
    {
        _meter = new Meter(MeterName);
        _fsyncDuration = _meter.CreateHistogram<double>("chronik.storage.fsync.duration", "ms", "Duration of one fsync of a segment file");
        _meter.CreateObservableCounter("chronik.storage.fsyncs", () => FsyncCount, description: "Segment fsyncs");
        _meter.CreateObservableCounter("chronik.storage.appended", () => BytesAppended, "By", "Record batch bytes appended");
        _meter.CreateObservableGauge("chronik.storage.log.size", logSize, "By", "Bytes held by all partition logs");
        _meter.CreateObservableCounter("chronik.storage.errors", () => StorageErrors, description: "Appends and reads refused for lack of space or descriptors");
        if (openFiles is not null) _meter.CreateObservableGauge("chronik.storage.open.files", openFiles, description: "Segment files open in the handle cache");
    }

    /// <summary>Appends and reads that failed with an IOException (no space, too many open files) and answered KAFKA_STORAGE_ERROR.</summary>
    public long StorageErrors => Volatile.Read(ref _storageErrors);

    public long FsyncCount => Volatile.Read(ref _fsyncCount);
    public TimeSpan FsyncTotalTime => TimeSpan.FromTicks(Volatile.Read(ref _fsyncTicks));
    public long BytesAppended => Volatile.Read(ref _bytesAppended);

    /// <summary>Bytes whose CRC was checked by start-up recovery (only unflushed tails should be scanned).</summary>
    public long RecoveryScannedBytes => Volatile.Read(ref _recoveryScannedBytes);

    /// <summary>Raised on the flusher thread after every fsync, with its duration; keep handlers cheap.</summary>
    public event Action<TimeSpan>? FsyncCompleted;

    internal void RecordFsync(long startTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
        Interlocked.Increment(ref _fsyncCount);
        Interlocked.Add(ref _fsyncTicks, elapsed.Ticks);
        _fsyncDuration.Record(elapsed.TotalMilliseconds);
        FsyncCompleted?.Invoke(elapsed);
    }

    internal void RecordStorageError() => Interlocked.Increment(ref _storageErrors);
    internal void RecordAppend(long bytes) => Interlocked.Add(ref _bytesAppended, bytes);
    internal void RecordRecoveryScan(long bytes) => Interlocked.Add(ref _recoveryScannedBytes, bytes);

    public void Dispose() => _meter.Dispose();
}
