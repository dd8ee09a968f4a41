using System.Diagnostics;
using Chronik.Broker.Dispatch;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>The per-connection mute used for quota throttling.</summary>
public class ChannelThrottleTests
{
    [Fact]
    public async Task Mute_holds_until_the_throttle_time_has_passed_and_the_longer_mute_wins()
    {
        var t = new ChannelThrottle();
        Assert.False(t.IsMuted);
        t.Mute(0);
        Assert.False(t.IsMuted);
        t.Mute(300);
        t.Mute(100);
        Assert.True(t.IsMuted);
        var sw = Stopwatch.StartNew();
        await t.WaitAsync();
        Assert.InRange(sw.ElapsedMilliseconds, 250, 5000);
        Assert.False(t.IsMuted);
    }

    [Fact]
    public async Task A_closed_connection_stops_waiting()
    {
        using var closed = new CancellationTokenSource();
        var t = new ChannelThrottle(closed.Token);
        t.Mute(60_000);
        var sw = Stopwatch.StartNew();
        var wait = t.WaitAsync().AsTask();
        closed.Cancel();
        await wait;
        Assert.True(sw.ElapsedMilliseconds < 5000);
    }
}
