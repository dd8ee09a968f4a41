using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage;

/// <summary>The few header fields the log navigates by, read from the first 43 bytes of a batch.</summary>
internal readonly record struct BatchPeek(long BaseOffset, int TotalSize, long LastOffset, long MaxTimestamp, byte Magic)
{
    /// <summary>Bytes needed to peek: through the max timestamp field.</summary>
    public const int Size = RecordBatchHeader.MaxTimestampOffset + 8;

    public static BatchPeek Read(ReadOnlySpan<byte> b)
    {
        long baseOffset = BinaryPrimitives.ReadInt64BigEndian(b);
        int length = BinaryPrimitives.ReadInt32BigEndian(b[RecordBatchHeader.BatchLengthOffset..]);
        int delta = BinaryPrimitives.ReadInt32BigEndian(b[RecordBatchHeader.LastOffsetDeltaOffset..]);
        long maxTs = BinaryPrimitives.ReadInt64BigEndian(b[RecordBatchHeader.MaxTimestampOffset..]);
        return new BatchPeek(baseOffset, RecordBatchHeader.LogOverhead + length, baseOffset + delta, maxTs, b[RecordBatchHeader.MagicOffset]);
    }

    /// <summary>Whether the framing is plausible for a batch that must fit in <paramref name="available"/> bytes.</summary>
    public bool IsSane(long available) =>
        Magic == 2 && TotalSize >= RecordBatchHeader.Size && TotalSize <= available && LastOffset >= BaseOffset;
}

/// <summary>Cuts a buffer of batches to what a fetch may return.</summary>
internal static class ReadLimits
{
    /// <summary>
    /// Length of the leading whole batches of <paramref name="buffer"/> to return: the first always (KIP-74,
    /// the caller made sure it is whole), later ones while the total stays within <paramref name="maxBytes"/>,
    /// and only batches that end below <paramref name="maxOffsetExclusive"/>.
    /// </summary>
    public static int WholeBatches(ReadOnlySpan<byte> buffer, int maxBytes, long maxOffsetExclusive)
    {
        int pos = 0;
        while (buffer.Length - pos >= BatchPeek.Size)
        {
            var peek = BatchPeek.Read(buffer[pos..]);
            if (peek.TotalSize > buffer.Length - pos || peek.LastOffset >= maxOffsetExclusive) break;
            if (pos > 0 && pos + (long)peek.TotalSize > maxBytes) break;
            pos += peek.TotalSize;
        }
        return pos;
    }
}
