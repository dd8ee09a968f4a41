using System.Buffers;
using System.Runtime.InteropServices;

namespace Chronik.Protocol.Compression;

/// <summary>Kafka's lz4 codec: the LZ4 frame format, via the system liblz4.so.1.</summary>
internal static unsafe partial class Lz4Codec
{
    private const string Library = "liblz4.so.1";
    private const uint LZ4FVersion = 100;
    private static readonly NativeLibraryGuard s_guard = new(Library, "liblz4-1");

    /// <summary>LZ4F_preferences_t, laid out as in lz4frame.h (56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Preferences
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictId;
        public int BlockChecksumFlag;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        s_guard.Ensure();
        // 64 KiB independent blocks: Kafka's Java reader (KafkaLZ4BlockInputStream) decodes each block on its own.
        var prefs = new Preferences { BlockSizeId = 4, BlockMode = 1 };
        nuint bound = LZ4F_compressFrameBound((nuint)source.Length, &prefs);
        if (bound > int.MaxValue) throw new ArgumentException("input too large for lz4", nameof(source));
        var dst = destination.GetSpan((int)bound);
        fixed (byte* s = source)
        fixed (byte* d = dst)
        {
            nuint n = LZ4F_compressFrame(d, (nuint)dst.Length, s, (nuint)source.Length, &prefs);
            if (LZ4F_isError(n) != 0) throw new CompressionException("lz4 compression failed: " + ErrorName(n));
            destination.Advance((int)n);
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutput)
    {
        s_guard.Ensure();
        nint ctx;
        nuint rc = LZ4F_createDecompressionContext(&ctx, LZ4FVersion);
        if (LZ4F_isError(rc) != 0) throw new CompressionException("lz4 context: " + ErrorName(rc));
        try
        {
            long total = 0;
            int pos = 0;
            nuint hint = 1;
            fixed (byte* s = source)
            {
                while (pos < source.Length)
                {
                    var span = CompressionCodecs.BoundedSpan(destination, total, maxOutput, 64 * 1024);
                    nuint dstSize = (nuint)span.Length;
                    nuint srcSize = (nuint)(source.Length - pos);
                    fixed (byte* d = span)
                        hint = LZ4F_decompress(ctx, d, &dstSize, s + pos, &srcSize, null);
                    if (LZ4F_isError(hint) != 0) throw new CompressionException("corrupt lz4 data: " + ErrorName(hint));
                    pos += (int)srcSize;
                    destination.Advance((int)dstSize);
                    total += (long)dstSize;
                    if (total > maxOutput) CompressionException.ThrowTooLarge(maxOutput);
                    if (srcSize == 0 && dstSize == 0) CompressionException.Throw("lz4 decoder made no progress");
                }
                // Input is used up; drain whatever the decoder still buffers.
                while (hint != 0)
                {
                    var span = CompressionCodecs.BoundedSpan(destination, total, maxOutput, 64 * 1024);
                    nuint dstSize = (nuint)span.Length;
                    nuint srcSize = 0;
                    fixed (byte* d = span)
                        hint = LZ4F_decompress(ctx, d, &dstSize, s + pos, &srcSize, null);
                    if (LZ4F_isError(hint) != 0) throw new CompressionException("corrupt lz4 data: " + ErrorName(hint));
                    if (dstSize == 0 && hint != 0) CompressionException.Throw("truncated lz4 frame");
                    destination.Advance((int)dstSize);
                    total += (long)dstSize;
                    if (total > maxOutput) CompressionException.ThrowTooLarge(maxOutput);
                }
            }
        }
        finally
        {
            LZ4F_freeDecompressionContext(ctx);
        }
    }

    private static string ErrorName(nuint code) => Marshal.PtrToStringAnsi(LZ4F_getErrorName(code)) ?? "unknown error";

    [LibraryImport(Library)] private static partial nuint LZ4F_compressFrameBound(nuint srcSize, Preferences* prefs);
    [LibraryImport(Library)] private static partial nuint LZ4F_compressFrame(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, Preferences* prefs);
    [LibraryImport(Library)] private static partial uint LZ4F_isError(nuint code);
    [LibraryImport(Library)] private static partial nint LZ4F_getErrorName(nuint code);
    [LibraryImport(Library)] private static partial nuint LZ4F_createDecompressionContext(nint* ctx, uint version);
    [LibraryImport(Library)] private static partial nuint LZ4F_freeDecompressionContext(nint ctx);
    [LibraryImport(Library)] private static partial nuint LZ4F_decompress(nint ctx, byte* dst, nuint* dstSize, byte* src, nuint* srcSize, void* options);
}
