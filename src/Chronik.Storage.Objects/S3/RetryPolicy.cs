namespace Chronik.Storage.Objects.S3;

/// <summary>
/// How often and how long an S3 call is tried: each attempt bounded by <see cref="AttemptTimeout"/>, retryable failures
/// (503, SlowDown, 5xx, timeouts, broken connections) retried after an exponential backoff with full jitter, at most
/// <see cref="MaxAttempts"/> attempts in all; then the call throws <see cref="ObjectStoreUnavailableException"/>.
/// </summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 8;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static RetryPolicy Default { get; } = new();

    /// <summary>The pause before attempt <paramref name="attempt"/> + 1 (attempt counts from 1): random in [delay/2, delay], delay doubling up to the cap.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        double capped = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }
}
