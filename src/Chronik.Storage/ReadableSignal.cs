namespace Chronik.Storage;

/// <summary>
/// Wakes whoever waits for more readable data in one partition (long-polling fetches): pulsed when its high
/// watermark advances (at the append with the flush relaxed, when the group commit covering it completes
/// otherwise) and when its last stable offset moves (a transaction marker). Waiters take <see cref="Next"/> before
/// they read, then re-check when it completes, so no advance is missed. Nothing is allocated while nobody waits.
/// </summary>
public sealed class ReadableSignal
{
    private TaskCompletionSource? _next;

    /// <summary>A task completing at the partition's next advance.</summary>
    public Task Next
    {
        get
        {
            var current = Volatile.Read(ref _next);
            if (current is not null) return current.Task;
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return (Interlocked.CompareExchange(ref _next, fresh, null) ?? fresh).Task;
        }
    }

    /// <summary>Call after publishing the new high watermark or last stable offset. The exchange is a full fence: a waiter that took
    /// <see cref="Next"/> before this either is completed here or reads the new high watermark.</summary>
    public void Pulse() => Interlocked.Exchange(ref _next, null)?.TrySetResult();
}
