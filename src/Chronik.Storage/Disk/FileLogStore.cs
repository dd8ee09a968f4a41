using System.Collections.Concurrent;

namespace Chronik.Storage.Disk;

/// <summary>Settings of a <see cref="FileLogStore"/>.</summary>
public sealed record FileLogStoreOptions
{
    /// <summary>Config for partitions discovered on disk whose topic <see cref="ConfigForTopic"/> does not resolve.</summary>
    public LogConfig DefaultConfig { get; init; } = LogConfig.Default;
    /// <summary>Resolves a discovered partition's topic config at open (null: use <see cref="DefaultConfig"/>); called from several threads at once.</summary>
    public Func<string, LogConfig?>? ConfigForTopic { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>How often each partition's recovery point is fsynced and checkpointed.</summary>
    public TimeSpan RecoveryPointInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How often a growing partition with producer state gets a producer snapshot besides the ones at segment roll and shutdown.</summary>
    public TimeSpan ProducerSnapshotInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// How many segment log files the store keeps open at once (active segments included; an idle partition
    /// holds none). 0, the default, means half the process's RLIMIT_NOFILE soft limit as it is when the store
    /// opens (<see cref="FileDescriptorLimits.DefaultMaxOpenSegmentFiles"/>), leaving the rest for sockets.
    /// </summary>
    public int MaxOpenSegmentFiles { get; init; }
}

/// <summary>
/// The on-disk log store: one directory per partition under the data directory, all fsynced by one
/// group-commit flusher. Opening it recovers every partition directory found.
/// </summary>
public sealed class FileLogStore : ILogStore
{
    private readonly Lock _partitionsLock = new();
    private readonly ConcurrentDictionary<(string Topic, int Partition), FilePartitionLog> _logs = new();
    private readonly string _dataDir;
    private readonly FileLogStoreOptions _options;
    private readonly GroupCommitFlusher _flusher;
    private readonly FileHandleCache _files;
    // Logs with periodic work (flush.ms, a checkpoint or snapshot due): joined by appends, left once quiet; the
    // list belongs to the flusher thread, which drains the queue at each tick.
    private readonly ConcurrentQueue<FilePartitionLog> _joiningTicks = new();
    private readonly List<FilePartitionLog> _ticking = [];
    private int _checkpointRunning;
    // Open and close are bound by filesystem latency (stats, listings, fsyncs), not CPU, so more workers than
    // cores overlap the waits; the cap keeps a 100,000-partition store from flooding the disk queue.
    private static readonly int IoParallelism = Math.Clamp(Environment.ProcessorCount * 4, 4, 32);
    private bool _disposed;

    private FileLogStore(string dataDir, FileLogStoreOptions options)
    {
        _dataDir = dataDir;
        _options = options;
        _files = new FileHandleCache(options.MaxOpenSegmentFiles > 0 ? options.MaxOpenSegmentFiles : FileDescriptorLimits.DefaultMaxOpenSegmentFiles());
        Stats = new StorageStats(() => _logs.Values.Sum(l => l.SizeInBytes), () => _files.OpenCount);
        _flusher = new GroupCommitFlusher(Stats, OnTick);
    }

    public StorageStats Stats { get; }

    public IEnumerable<(string Topic, int Partition)> Partitions => _logs.Keys;

    /// <summary>The bound on open segment log files this store was opened with.</summary>
    public int MaxOpenSegmentFiles => _files.Capacity;

    /// <summary>Segment log files open now.</summary>
    public int OpenSegmentFiles => _files.OpenCount;

    /// <summary>Test hook: runs on the flusher thread before each group-commit fsync.</summary>
    internal Action? BeforeFsync { set => _flusher.BeforeFsync = value; }

    public static FileLogStore Open(string dataDir, FileLogStoreOptions? options = null)
    {
        Directory.CreateDirectory(dataDir);
        var store = new FileLogStore(dataDir, options ?? new FileLogStoreOptions());
        try
        {
            // Read and removed (durably) before any partition is touched: from here on a crash means full recovery.
            var clean = CleanShutdownFile.ReadAndRemove(dataDir);
            // Partitions recover independently and each spends most of its time waiting on the filesystem
            // (listings, stats, checkpoint reads), so a bounded parallel loop keeps the disk busy without
            // starving the rest of the process.
            Parallel.ForEach(Directory.EnumerateDirectories(dataDir), new ParallelOptions { MaxDegreeOfParallelism = IoParallelism }, dir =>
            {
                if (!SegmentFiles.TryParsePartitionDir(Path.GetFileName(dir), out string topic, out int partition)) return;
                var config = store._options.ConfigForTopic?.Invoke(topic) ?? store._options.DefaultConfig;
                string name = Path.GetFileName(dir);
                var state = clean is not null && clean.TryGetValue(name, out var s) ? s : null;
                store._logs[(topic, partition)] = FilePartitionLog.Open(dir, topic, partition, config, store._flusher, store.Stats, store._options.Time, store._files,
                    store.JoinTicks, state, dirExists: true);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            store._flusher.Dispose();
            store.Stats.Dispose();
            // Callers see the partition's own error (a damaged directory's IOException), as with a sequential open.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            throw;
        }
        catch
        {
            store._flusher.Dispose();
            store.Stats.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>Returns the existing log unchanged (use UpdateConfig to change it) or creates one with <paramref name="config"/>.</summary>
    public IPartitionLog GetOrCreate(string topic, int partition, LogConfig config)
    {
        if (_logs.TryGetValue((topic, partition), out var existing)) return existing;
        ValidateName(topic, partition);
        lock (_partitionsLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_logs.TryGetValue((topic, partition), out existing)) return existing;
            string dir = Path.Combine(_dataDir, SegmentFiles.PartitionDirName(topic, partition));
            var log = FilePartitionLog.Open(dir, topic, partition, config, _flusher, Stats, _options.Time, _files, JoinTicks);
            _logs[(topic, partition)] = log;
            return log;
        }
    }

    public IPartitionLog? Get(string topic, int partition) => _logs.TryGetValue((topic, partition), out var log) ? log : null;

    public void DeletePartition(string topic, int partition)
    {
        lock (_partitionsLock)
        {
            if (_logs.TryRemove((topic, partition), out var log)) log.DeleteAll();
        }
    }

    public async ValueTask FlushAllAsync()
    {
        foreach (var log in _logs.Values) await log.FlushAsync().ConfigureAwait(false);
    }

    // Flusher thread: flush.ms per partition; checkpoints go to the thread pool so their index fsyncs
    // never delay a group commit.
    private void OnTick()
    {
        long nowMs = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long intervalMs = (long)_options.RecoveryPointInterval.TotalMilliseconds;
        long snapshotMs = (long)_options.ProducerSnapshotInterval.TotalMilliseconds;
        List<FilePartitionLog>? due = null;
        while (_joiningTicks.TryDequeue(out var joined)) _ticking.Add(joined);
        for (int i = _ticking.Count - 1; i >= 0; i--)
        {
            var log = _ticking[i];
            if (log.OnTick(nowMs, intervalMs, snapshotMs)) (due ??= []).Add(log);
            else if (log.TryLeaveTicks())
            {
                _ticking[i] = _ticking[^1];
                _ticking.RemoveAt(_ticking.Count - 1);
            }
        }
        if (due is null || Interlocked.Exchange(ref _checkpointRunning, 1) == 1) return;
        _ = Task.Run(() =>
        {
            try
            {
                foreach (var log in due)
                {
                    log.MaybeTakeProducerSnapshot(nowMs, snapshotMs);
                    log.Checkpoint();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The next interval retries; a failing disk also fails appends, which is where it is reported.
            }
            finally
            {
                Volatile.Write(ref _checkpointRunning, 0);
            }
        });
    }

    private void JoinTicks(FilePartitionLog log) => _joiningTicks.Enqueue(log);

    /// <summary>Partitions whose open trusted the clean-shutdown file, neither reading their checkpoints nor verifying their tails (tests).</summary>
    internal int OpenedFromCleanShutdown => _logs.Values.Count(l => l.OpenedFromCleanShutdown);

    /// <summary>Logs on the flusher's tick list now, with those waiting to join (tests).</summary>
    internal int TickingCount => _ticking.Count + _joiningTicks.Count;

    private static void ValidateName(string topic, int partition)
    {
        if (partition < 0) throw new ArgumentOutOfRangeException(nameof(partition));
        if (string.IsNullOrEmpty(topic) || topic is "." or ".." || topic.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new ArgumentException($"Invalid topic name '{topic}'", nameof(topic));
    }

    public ValueTask DisposeAsync()
    {
        lock (_partitionsLock)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
        }
        _flusher.Dispose();
        while (Volatile.Read(ref _checkpointRunning) == 1) Thread.Sleep(1);
        // Each written partition's final checkpoint and snapshot is several fsyncs; one after another they
        // made a 100,000-partition stop take half a minute, and partitions do not depend on each other.
        var closedCleanly = new ConcurrentBag<(string, CleanPartitionState)>();
        Parallel.ForEach(_logs.Values, new ParallelOptions { MaxDegreeOfParallelism = IoParallelism }, log =>
        {
            try
            {
                log.Close();
                if (log.DescribeClosed() is { } state && !log.DirName.Contains('\n', StringComparison.Ordinal)) closedCleanly.Add((log.DirName, state));
            }
            catch (IOException)
            {
                // A full disk refused the final checkpoint: the next open recovers from the last one.
            }
        });
        try
        {
            // Last, after every final checkpoint is durable: the next open trusts the partitions it lists.
            CleanShutdownFile.Write(_dataDir, closedCleanly);
        }
        catch (IOException)
        {
            // Without the file the next open recovers every partition, as after a crash.
        }
        Stats.Dispose();
        return ValueTask.CompletedTask;
    }
}
