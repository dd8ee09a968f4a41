namespace Chronik.Broker.Dispatch;

/// <summary>
/// A connection's mute state for quota throttling (Kafka >= 2.0, KIP-219): the throttled response goes out at
/// once, and the connection reads no further request until the throttle time has passed. Zero means not muted,
/// so the read loop's check costs one field read.
/// </summary>
public sealed class ChannelThrottle
{
    private readonly CancellationToken _closed;
    private readonly CancellationToken _stopping;
    private long _mutedUntilMs;

    /// <summary>A wait ends early when the connection closes (<paramref name="closed"/>) or the broker stops.</summary>
    public ChannelThrottle(CancellationToken closed = default, CancellationToken stopping = default)
    {
        _closed = closed;
        _stopping = stopping;
    }

    public bool IsMuted => Volatile.Read(ref _mutedUntilMs) != 0;

    /// <summary>Mutes the connection for <paramref name="throttleMs"/> from now (a longer mute already in place wins).</summary>
    public void Mute(int throttleMs)
    {
        if (throttleMs <= 0) return;
        long until = Environment.TickCount64 + throttleMs;
        long current;
        do
        {
            current = Volatile.Read(ref _mutedUntilMs);
            if (current >= until) return;
        }
        while (Interlocked.CompareExchange(ref _mutedUntilMs, until, current) != current);
    }

    /// <summary>Waits until the mute has passed, then clears it; returns early when the connection closes or the broker stops.</summary>
    public async ValueTask WaitAsync()
    {
        while (true)
        {
            long until = Volatile.Read(ref _mutedUntilMs);
            if (until == 0) return;
            long left = until - Environment.TickCount64;
            if (left <= 0)
            {
                if (Interlocked.CompareExchange(ref _mutedUntilMs, 0, until) == until) return;
                continue;
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_closed, _stopping);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(left), cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
