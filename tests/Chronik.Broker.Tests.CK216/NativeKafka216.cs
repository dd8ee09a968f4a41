using System.Runtime.InteropServices;

namespace Chronik.Tests;

/// <summary>
/// The librdkafka Confluent.Kafka 2.16.0 loads here: the 2.16.0 that its librdkafka.redist package ships, in the
/// build that links Cyrus SASL statically (centos8-librdkafka.so; the default librdkafka.so wants RHEL's
/// libsasl2.so.3, which Debian does not have). CHRONIK_LIBRDKAFKA points it at another build instead.
/// Same class and method as tests/Shared/NativeKafka.cs, which the linked fixtures call.
/// </summary>
internal static class NativeKafka
{
    private static int s_set;

    public static string LibraryPath =>
        Environment.GetEnvironmentVariable("CHRONIK_LIBRDKAFKA") is { Length: > 0 } p ? p
        : Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "centos8-librdkafka.so");

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
