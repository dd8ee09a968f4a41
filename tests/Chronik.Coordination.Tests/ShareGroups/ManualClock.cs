namespace Chronik.Coordination.Tests.ShareGroups;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(long startMs = 1_000_000) : TimeProvider
{
    private long _nowMs = startMs;

    public long NowMs => _nowMs;

    public void Advance(long ms) => _nowMs += ms;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(_nowMs);
}
