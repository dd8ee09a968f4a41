namespace Chronik.Server.Metrics;

/// <summary>Lock-free addition to a <see cref="double"/> field.</summary>
internal static class AtomicDouble
{
    public static void Add(ref double location, double value)
    {
        double current = Volatile.Read(ref location);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref location, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }
            current = seen;
        }
    }
}
