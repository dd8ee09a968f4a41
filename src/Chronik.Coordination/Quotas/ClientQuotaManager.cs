using System.Collections.Concurrent;

namespace Chronik.Coordination.Quotas;

/// <summary>
/// Byte-rate quota enforcement for one quota key (producer_byte_rate or consumer_byte_rate), as Kafka's
/// ClientQuotaManager: one <see cref="RateSensor"/> per resolved (user, client-id) tag pair, bounds read from the
/// store's current snapshot on every call (so a changed quota applies at once), idle sensors dropped after an hour.
/// Callers check <see cref="QuotaSnapshot.HasProducerQuotas"/> / <see cref="QuotaSnapshot.HasConsumerQuotas"/> first,
/// so nothing is measured while no quota of the kind exists.
/// </summary>
public sealed class ClientQuotaManager
{
    public const int DefaultSamples = 11;
    public const long DefaultWindowMs = 1000;
    private const long InactiveSensorExpirationMs = 3600_000;

    private readonly ClientQuotaStore _store;
    private readonly string _key;
    private readonly int _samples;
    private readonly long _windowMs;
    private readonly ConcurrentDictionary<(string User, string ClientId), RateSensor> _sensors = new();
    private long _nextSweepMs;

    public ClientQuotaManager(ClientQuotaStore store, string key, int samples = DefaultSamples, long windowMs = DefaultWindowMs)
    {
        _store = store;
        _key = key;
        _samples = samples;
        _windowMs = windowMs;
    }

    /// <summary>Counts <paramref name="value"/> for the (user, client-id) and returns the throttle time in ms.</summary>
    public int RecordAndGetThrottleTimeMs(string user, string? clientId, double value, long nowMs)
    {
        var resolved = _store.Snapshot.Resolve(_key, user, clientId ?? "");
        var sensor = SensorFor(resolved, nowMs);
        return sensor.Record(value, nowMs, resolved.Bound);
    }

    /// <summary>Takes back a value recorded for a response that is not sent after all (a throttled fetch answers empty).</summary>
    public void Unrecord(string user, string? clientId, double value, long nowMs)
    {
        var resolved = _store.Snapshot.Resolve(_key, user, clientId ?? "");
        SensorFor(resolved, nowMs).RecordNoCheck(-value, nowMs);
    }

    /// <summary>The most that can be recorded at once without certain throttling: bound × (samples − 1) windows; int.MaxValue without a quota.</summary>
    public int MaxValueInQuotaWindow(string user, string? clientId)
    {
        var bound = _store.Snapshot.Resolve(_key, user, clientId ?? "").Bound;
        if (bound is not { } b) return int.MaxValue;
        return (int)Math.Min(int.MaxValue, b * (_samples - 1) * _windowMs / 1000.0);
    }

    /// <summary>The measured rate of a sensor (by its tags), for tests and diagnostics.</summary>
    public double? RateOf(string userTag, string clientIdTag, long nowMs) =>
        _sensors.TryGetValue((userTag, clientIdTag), out var s) ? s.Measure(nowMs) : null;

    private RateSensor SensorFor(QuotaResolution resolved, long nowMs)
    {
        if (nowMs >= _nextSweepMs) Sweep(nowMs);
        return _sensors.GetOrAdd((resolved.UserTag, resolved.ClientIdTag), static (_, m) => new RateSensor(m._samples, m._windowMs), this);
    }

    private void Sweep(long nowMs)
    {
        _nextSweepMs = nowMs + 60_000;
        foreach (var (tags, sensor) in _sensors)
        {
            if (nowMs - sensor.LastRecordMs >= InactiveSensorExpirationMs) _sensors.TryRemove(tags, out _);
        }
    }
}
