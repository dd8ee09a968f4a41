namespace Chronik.Broker.Services;

/// <summary>Wakes long-polling fetches when any partition receives data; waiters re-check their own partitions.</summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task completing at the next append; take it before reading so no append is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse()
    {
        var old = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        old.TrySetResult();
    }
}
