namespace Chronik.Coordination.Quotas;

/// <summary>
/// A windowed rate as Kafka's quota sensors measure it (Rate over a WindowedSum): up to samples + 1 time windows,
/// a window is dropped when it saw no event for samples × window, and the elapsed time is taken as at least
/// samples − 1 full windows. Recording returns the throttle time that brings the rate back to the bound:
/// (rate − bound) / bound × window size. Thread-safe.
/// </summary>
public sealed class RateSensor
{
    private readonly int _samples;
    private readonly long _windowMs;
    private readonly long[] _start;
    private readonly long[] _lastEvent;
    private readonly double[] _value;
    private int _count;
    private int _current;

    public RateSensor(int samples, long windowMs)
    {
        _samples = samples;
        _windowMs = windowMs;
        _start = new long[samples + 1];
        _lastEvent = new long[samples + 1];
        _value = new double[samples + 1];
    }

    /// <summary>Time of the last recording, for expiring idle sensors.</summary>
    public long LastRecordMs { get; private set; }

    /// <summary>Adds <paramref name="value"/> at <paramref name="nowMs"/>; returns the throttle time in ms (0 when within <paramref name="bound"/>).</summary>
    public int Record(double value, long nowMs, double? bound)
    {
        lock (_start)
        {
            Add(value, nowMs);
            if (bound is not { } b) return 0;
            long window = WindowSize(nowMs);
            double rate = Sum() / (window / 1000.0);
            if (rate <= b) return 0;
            return (int)Math.Min(int.MaxValue, Math.Round((rate - b) / b * window));
        }
    }

    /// <summary>Adds without checking a bound (e.g. the negative of a value that was not delivered after all).</summary>
    public void RecordNoCheck(double value, long nowMs)
    {
        lock (_start) Add(value, nowMs);
    }

    /// <summary>The current rate per second.</summary>
    public double Measure(long nowMs)
    {
        lock (_start)
        {
            long window = WindowSize(nowMs);
            return Sum() / (window / 1000.0);
        }
    }

    private void Add(double value, long nowMs)
    {
        LastRecordMs = nowMs;
        if (_count == 0) NewSample(0, nowMs);
        if (nowMs - _start[_current] >= _windowMs)
        {
            _current = (_current + 1) % (_samples + 1);
            if (_current >= _count) NewSample(_current, nowMs);
            else Reset(_current, nowMs);
        }
        _value[_current] += value;
        _lastEvent[_current] = nowMs;
    }

    private void NewSample(int i, long nowMs)
    {
        _count = Math.Max(_count, i + 1);
        Reset(i, nowMs);
    }

    private void Reset(int i, long nowMs)
    {
        _start[i] = nowMs;
        _lastEvent[i] = nowMs;
        _value[i] = 0;
    }

    private double Sum()
    {
        double total = 0;
        for (int i = 0; i < _count; i++) total += _value[i];
        return total;
    }

    private long WindowSize(long nowMs)
    {
        // Purge windows that saw nothing within the monitored span (they may have started before it).
        long expireAge = _samples * _windowMs;
        for (int i = 0; i < _count; i++)
        {
            if (nowMs - _lastEvent[i] >= expireAge) Reset(i, nowMs);
        }
        if (_count == 0) NewSample(0, nowMs);
        long oldest = _start[0];
        for (int i = 1; i < _count; i++) oldest = Math.Min(oldest, _start[i]);
        long elapsed = nowMs - oldest;
        long full = elapsed / _windowMs;
        if (full < _samples - 1) elapsed += (_samples - 1 - full) * _windowMs;
        return Math.Max(elapsed, 1);
    }
}
