using System.Diagnostics;

namespace Chronik.Storage.Disk;

/// <summary>
/// The one thread that fsyncs segment files for every partition of a store (group commit). Appends that
/// arrive while an fsync runs join the next round: each round takes every segment queued since the last,
/// fsyncs each once, then completes the single task all of that round's durable appends wait on.
/// Between rounds it runs a periodic tick (flush.ms, recovery-point checkpoints).
/// </summary>
internal sealed class GroupCommitFlusher : IDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(50);

    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly StorageStats _stats;
    private readonly Action _onTick;
    private HashSet<LogSegment> _pending = [];
    private HashSet<LogSegment> _flushing = [];
    private TaskCompletionSource _nextCommit = NewCommit();
    private bool _hasWaiters;
    private bool _stopping;
    private long _nextTick;

    public GroupCommitFlusher(StorageStats stats, Action onTick)
    {
        _stats = stats;
        _onTick = onTick;
        _thread = new Thread(Run) { IsBackground = true, Name = "chronik-flusher" };
        _thread.Start();
    }

    /// <summary>Test hook: runs on the flusher thread before each fsync of a queued segment.</summary>
    internal Action? BeforeFsync { get; set; }

    /// <summary>
    /// Queues <paramref name="segment"/> for the next round. Call only after the bytes are written, so the
    /// round's fsync covers them. With <paramref name="wait"/>, the task completes after that fsync.
    /// </summary>
    public Task Enqueue(LogSegment segment, bool wait)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _pending.Add(segment);
            if (wait) _hasWaiters = true;
            Monitor.Pulse(_gate);
            return wait ? _nextCommit.Task : Task.CompletedTask;
        }
    }

    /// <summary>Fsyncs a segment's log file now, on the calling thread, counting it in the stats.</summary>
    public void FsyncNow(LogSegment segment)
    {
        if (!segment.TryAcquire()) return; // deleted meanwhile: nothing left to make durable
        try
        {
            long start = Stopwatch.GetTimestamp();
            if (segment.FlushLog()) _stats.RecordFsync(start);
        }
        finally
        {
            segment.Release();
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource? commit = null;
            bool tick;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_hasWaiters && !_stopping && Stopwatch.GetTimestamp() < _nextTick)
                {
                    Monitor.Wait(_gate, TickInterval);
                }
                if (_stopping && _pending.Count == 0 && !_hasWaiters) return;
                (_pending, _flushing) = (_flushing, _pending);
                if (_hasWaiters)
                {
                    commit = _nextCommit;
                    _nextCommit = NewCommit();
                    _hasWaiters = false;
                }
                tick = Stopwatch.GetTimestamp() >= _nextTick;
            }

            Exception? failure = null;
            foreach (var segment in _flushing)
            {
                try
                {
                    BeforeFsync?.Invoke();
                    FsyncNow(segment);
                }
                catch (Exception e)
                {
                    failure ??= e; // the thread must survive: every later durable append depends on it
                }
            }
            _flushing.Clear();
            if (failure is null) commit?.SetResult();
            else commit?.SetException(failure);

            if (tick)
            {
                _nextTick = Stopwatch.GetTimestamp() + (long)(TickInterval.TotalSeconds * Stopwatch.Frequency);
                try { _onTick(); }
                catch (Exception)
                {
                    // Retried next tick; the thread must survive.
                }
            }
        }
    }

    // Continuations run on the thread pool so appenders never run on (and stall) the flusher thread.
    private static TaskCompletionSource NewCommit() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Finishes the queued rounds, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
    }
}
