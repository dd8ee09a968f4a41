using System.Buffers;
using System.Buffers.Binary;

namespace Chronik.Protocol.Compression;

/// <summary>Kafka's snappy codec: writes xerial framing as the Java client does; reads xerial framing or one raw snappy block.</summary>
internal static class SnappyCodec
{
    /// <summary>The xerial stream magic: 0x82 "SNAPPY" 0x00, then version and compatible-version int32s.</summary>
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
    private const int XerialHeaderSize = 16;
    /// <summary>Block size of xerial's SnappyOutputStream default, which Kafka's Java producer uses.</summary>
    private const int XerialBlockSize = 32 * 1024;
    private const int MaxExpansion = 22;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var header = destination.GetSpan(XerialHeaderSize);
        XerialMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 1);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 1);
        destination.Advance(XerialHeaderSize);
        for (int pos = 0; pos < source.Length; pos += XerialBlockSize)
        {
            var chunk = source.Slice(pos, Math.Min(XerialBlockSize, source.Length - pos));
            byte[] block = IronSnappy.Snappy.Encode(chunk);
            var len = destination.GetSpan(4);
            BinaryPrimitives.WriteInt32BigEndian(len, block.Length);
            destination.Advance(4);
            destination.Write(block);
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutput)
    {
        if (source.Length >= XerialHeaderSize && source[..8].SequenceEqual(XerialMagic))
        {
            long total = 0;
            var rest = source[XerialHeaderSize..];
            while (!rest.IsEmpty)
            {
                if (rest.Length < 4) CompressionException.Throw("truncated xerial snappy block length");
                int len = BinaryPrimitives.ReadInt32BigEndian(rest);
                if (len < 0 || len > rest.Length - 4) CompressionException.Throw("xerial snappy block length out of range");
                total += DecodeBlock(rest.Slice(4, len), destination, maxOutput - total);
                rest = rest[(4 + len)..];
            }
            return;
        }
        DecodeBlock(source, destination, maxOutput);
    }

    /// <summary>Decodes one raw snappy block after checking its declared length against the remaining budget.</summary>
    private static int DecodeBlock(ReadOnlySpan<byte> block, IBufferWriter<byte> destination, long budget)
    {
        if (!TryReadUncompressedLength(block, out ulong declared)) CompressionException.Throw("corrupt snappy block header");
        if (declared > (ulong)budget) CompressionException.Throw("decompressed snappy data exceeds the allowed size");
        // The decoder allocates the declared length up front. No snappy element expands more than 64 bytes from 3
        // (a 2-byte-offset copy), so a block declaring more than 22x its size is corrupt: reject it before allocating.
        if (declared > (ulong)block.Length * MaxExpansion) CompressionException.Throw($"snappy block of {block.Length} bytes cannot expand to {declared}");
        byte[] decoded;
        try
        {
            decoded = IronSnappy.Snappy.Decode(block);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CompressionException("corrupt snappy data: " + e.Message, e);
        }
        destination.Write(decoded);
        return decoded.Length;
    }

    private static bool TryReadUncompressedLength(ReadOnlySpan<byte> block, out ulong value)
    {
        value = 0;
        for (int i = 0, shift = 0; i < block.Length && i < 5; i++, shift += 7)
        {
            value |= (ulong)(block[i] & 0x7F) << shift;
            if ((block[i] & 0x80) == 0) return true;
        }
        return false;
    }
}
