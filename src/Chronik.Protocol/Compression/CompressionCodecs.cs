using System.Buffers;
using Chronik.Protocol.Records;

namespace Chronik.Protocol.Compression;

/// <summary>Entry point for the record codecs Kafka uses: compress or decompress a records section by <see cref="CompressionType"/>.</summary>
public static class CompressionCodecs
{
    /// <summary>Default bound on decompressed output, so a small hostile batch cannot exhaust memory.</summary>
    public const int DefaultMaxDecompressedSize = 100 * 1024 * 1024;

    public static void Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        switch (type)
        {
            case CompressionType.None: destination.Write(source); break;
            case CompressionType.Gzip: GzipCodec.Compress(source, destination); break;
            case CompressionType.Snappy: SnappyCodec.Compress(source, destination); break;
            case CompressionType.Lz4: Lz4Codec.Compress(source, destination); break;
            case CompressionType.Zstd: ZstdCodec.Compress(source, destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "unknown compression type");
        }
    }

    /// <summary>Decompresses <paramref name="source"/> into <paramref name="destination"/>; throws <see cref="CompressionException"/> on corrupt input or output above <paramref name="maxOutput"/>.</summary>
    public static void Decompress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutput = DefaultMaxDecompressedSize)
    {
        switch (type)
        {
            case CompressionType.None:
                if (source.Length > maxOutput) CompressionException.ThrowTooLarge(maxOutput);
                destination.Write(source);
                break;
            case CompressionType.Gzip: GzipCodec.Decompress(source, destination, maxOutput); break;
            case CompressionType.Snappy: SnappyCodec.Decompress(source, destination, maxOutput); break;
            case CompressionType.Lz4: Lz4Codec.Decompress(source, destination, maxOutput); break;
            case CompressionType.Zstd: ZstdCodec.Decompress(source, destination, maxOutput); break;
            default: throw new CompressionException($"unknown compression type {(int)type}");
        }
    }

    /// <summary>A span to decompress into that never lets total output pass max by more than one byte, so overflow is detectable.</summary>
    internal static Span<byte> BoundedSpan(IBufferWriter<byte> destination, long written, int max, int chunk)
    {
        long allowed = (long)max - written + 1;
        var span = destination.GetSpan(chunk);
        return span.Length > allowed ? span[..(int)allowed] : span;
    }
}
