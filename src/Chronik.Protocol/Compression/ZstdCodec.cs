using System.Buffers;
using System.Runtime.InteropServices;

namespace Chronik.Protocol.Compression;

/// <summary>Kafka's zstd codec via the system libzstd.so.1; decompression streams because producers may omit the frame content size.</summary>
internal static unsafe partial class ZstdCodec
{
    private const string Library = "libzstd.so.1";
    /// <summary>Level 3 is zstd's and Kafka's default.</summary>
    private const int Level = 3;
    private static readonly NativeLibraryGuard s_guard = new(Library, "libzstd1");

    [StructLayout(LayoutKind.Sequential)]
    private struct Buffer
    {
        public byte* Data;
        public nuint Size;
        public nuint Pos;
    }

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        s_guard.Ensure();
        nuint bound = ZSTD_compressBound((nuint)source.Length);
        if (bound > int.MaxValue) throw new ArgumentException("input too large for zstd", nameof(source));
        var dst = destination.GetSpan((int)bound);
        fixed (byte* s = source)
        fixed (byte* d = dst)
        {
            nuint n = ZSTD_compress(d, (nuint)dst.Length, s, (nuint)source.Length, Level);
            if (ZSTD_isError(n) != 0) throw new CompressionException("zstd compression failed: " + ErrorName(n));
            destination.Advance((int)n);
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutput)
    {
        s_guard.Ensure();
        nint stream = ZSTD_createDStream();
        if (stream == 0) throw new OutOfMemoryException("ZSTD_createDStream failed");
        try
        {
            nuint rc = ZSTD_initDStream(stream);
            if (ZSTD_isError(rc) != 0) throw new CompressionException("zstd init: " + ErrorName(rc));
            long total = 0;
            fixed (byte* s = source)
            {
                var input = new Buffer { Data = s, Size = (nuint)source.Length, Pos = 0 };
                while (true)
                {
                    var span = CompressionCodecs.BoundedSpan(destination, total, maxOutput, 128 * 1024);
                    fixed (byte* d = span)
                    {
                        var output = new Buffer { Data = d, Size = (nuint)span.Length, Pos = 0 };
                        rc = ZSTD_decompressStream(stream, &output, &input);
                        if (ZSTD_isError(rc) != 0) throw new CompressionException("corrupt zstd data: " + ErrorName(rc));
                        destination.Advance((int)output.Pos);
                        total += (long)output.Pos;
                        if (total > maxOutput) CompressionException.ThrowTooLarge(maxOutput);
                        bool inputDone = input.Pos == input.Size;
                        if (inputDone && rc == 0) return;
                        // Output space left over and no input left means the frame is cut short.
                        if (inputDone && output.Pos < output.Size) CompressionException.Throw("truncated zstd frame");
                    }
                }
            }
        }
        finally
        {
            ZSTD_freeDStream(stream);
        }
    }

    private static string ErrorName(nuint code) => Marshal.PtrToStringAnsi(ZSTD_getErrorName(code)) ?? "unknown error";

    [LibraryImport(Library)] private static partial nuint ZSTD_compressBound(nuint srcSize);
    [LibraryImport(Library)] private static partial nuint ZSTD_compress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);
    [LibraryImport(Library)] private static partial uint ZSTD_isError(nuint code);
    [LibraryImport(Library)] private static partial nint ZSTD_getErrorName(nuint code);
    [LibraryImport(Library)] private static partial nint ZSTD_createDStream();
    [LibraryImport(Library)] private static partial nuint ZSTD_freeDStream(nint stream);
    [LibraryImport(Library)] private static partial nuint ZSTD_initDStream(nint stream);
    [LibraryImport(Library)] private static partial nuint ZSTD_decompressStream(nint stream, Buffer* output, Buffer* input);
}
