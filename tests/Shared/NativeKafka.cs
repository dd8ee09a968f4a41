using System.Runtime.InteropServices;

namespace Chronik.Tests;

/// <summary>
/// Points Confluent.Kafka's P/Invoke at the librdkafka 2.12 built by scripts/setup-clients.sh (the mirror lacks
/// librdkafka.redist). One source file, linked into every test project that runs Confluent.Kafka.
/// </summary>
internal static class NativeKafka
{
    private static int s_set;

    public static string LibraryPath =>
        Environment.GetEnvironmentVariable("CHRONIK_LIBRDKAFKA") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetEnvironmentVariable("CHRONIK_CACHE") ?? "/var/cache/chronik", "librdkafka", "src", "librdkafka.so.1");

    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref s_set, 1) == 1)
        {
            return;
        }
        NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.ProducerConfig).Assembly, (name, _, _) =>
            name.Contains("rdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(LibraryPath) : IntPtr.Zero);
    }
}
