namespace Chronik.Broker.Network;

/// <summary>
/// What one connection may hold in requests not yet answered: their frames' bytes up to a budget (socket.request.max.bytes;
/// one request is always let through), and one Fetch at a time, as Kafka, which reads a connection's next request only
/// after answering the last. Without it a client pipelining 128 large produces or fetches of max_bytes each made the
/// broker hold 128 frames or fetch reads at once. The read loop waits here; the write loop releases as it answers.
/// </summary>
internal sealed class InFlightBudget(long maxBytes)
{
    private readonly Lock _lock = new();
    private long _bytes;
    private bool _fetch;
    private TaskCompletionSource? _freed;

    /// <summary>Waits until a request of <paramref name="bytes"/> fits (and, for a Fetch, no other Fetch is unanswered).</summary>
    public async ValueTask AcquireAsync(int bytes, bool fetch, CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if ((_bytes == 0 || _bytes + bytes <= maxBytes) && !(fetch && _fetch))
                {
                    _bytes += bytes;
                    _fetch |= fetch;
                    return;
                }
                _freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _freed.Task;
            }
            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public void Release(int bytes, bool fetch)
    {
        TaskCompletionSource? freed;
        lock (_lock)
        {
            _bytes -= bytes;
            if (fetch) _fetch = false;
            freed = _freed;
            _freed = null;
        }
        freed?.TrySetResult();
    }
}
