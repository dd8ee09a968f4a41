namespace Chronik.Broker.Network;

/// <summary>
/// A connection's mute state for quota throttling (Kafka >= 2.0, KIP-219): the throttled response goes out at
/// once, and the connection reads no further request until the throttle time has passed. Zero means not muted,
/// so the read loop's check costs one field read.
/// </summary>
public sealed class ChannelThrottle
{
    private long _mutedUntilMs;

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

    /// <summary>Waits until the mute has passed, then clears it.</summary>
    public async ValueTask WaitAsync(CancellationToken ct)
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
            await Task.Delay(TimeSpan.FromMilliseconds(left), ct).ConfigureAwait(false);
        }
    }
}
