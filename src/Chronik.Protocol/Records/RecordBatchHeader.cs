using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Chronik.Protocol.Records;

/// <summary>The fixed 61-byte header of a v2 record batch (magic 2), read in place from the batch bytes.</summary>
public readonly struct RecordBatchHeader
{
    public const int Size = 61;
    /// <summary>baseOffset(8) + batchLength(4): the bytes before the length-counted part of the batch.</summary>
    public const int LogOverhead = 12;
    public const int BaseOffsetOffset = 0;
    public const int BatchLengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    /// <summary>The CRC-32C covers everything from the attributes field to the end of the batch.</summary>
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordCountOffset = 57;

    public long BaseOffset { get; init; }
    public int BatchLength { get; init; }
    public int PartitionLeaderEpoch { get; init; }
    public sbyte Magic { get; init; }
    public uint Crc { get; init; }
    public short Attributes { get; init; }
    public int LastOffsetDelta { get; init; }
    public long BaseTimestamp { get; init; }
    public long MaxTimestamp { get; init; }
    public long ProducerId { get; init; }
    public short ProducerEpoch { get; init; }
    public int BaseSequence { get; init; }
    public int RecordCount { get; init; }

    /// <summary>Total bytes of the batch on the wire: the log overhead plus batchLength.</summary>
    public int TotalSize => LogOverhead + BatchLength;
    public long LastOffset => BaseOffset + LastOffsetDelta;
    public CompressionType Compression => (CompressionType)(Attributes & 0x07);
    public TimestampType TimestampType => (Attributes & 0x08) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
    public bool IsTransactional => (Attributes & 0x10) != 0;
    public bool IsControl => (Attributes & 0x20) != 0;
    public bool HasDeleteHorizon => (Attributes & 0x40) != 0;
    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Reads the header; the span must hold at least <see cref="Size"/> bytes and magic must be 2.</summary>
    public static RecordBatchHeader Read(ReadOnlySpan<byte> b) => new()
    {
        BaseOffset = BinaryPrimitives.ReadInt64BigEndian(b),
        BatchLength = BinaryPrimitives.ReadInt32BigEndian(b[BatchLengthOffset..]),
        PartitionLeaderEpoch = BinaryPrimitives.ReadInt32BigEndian(b[PartitionLeaderEpochOffset..]),
        Magic = (sbyte)b[MagicOffset],
        Crc = BinaryPrimitives.ReadUInt32BigEndian(b[CrcOffset..]),
        Attributes = BinaryPrimitives.ReadInt16BigEndian(b[AttributesOffset..]),
        LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(b[LastOffsetDeltaOffset..]),
        BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(b[BaseTimestampOffset..]),
        MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(b[MaxTimestampOffset..]),
        ProducerId = BinaryPrimitives.ReadInt64BigEndian(b[ProducerIdOffset..]),
        ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(b[ProducerEpochOffset..]),
        BaseSequence = BinaryPrimitives.ReadInt32BigEndian(b[BaseSequenceOffset..]),
        RecordCount = BinaryPrimitives.ReadInt32BigEndian(b[RecordCountOffset..]),
    };

    /// <summary>CRC-32C (Castagnoli) of the batch from the attributes field to its end.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Crc32C.Compute(batch[AttributesOffset..]);

    /// <summary>Rewrites the base offset in place (outside the CRC, so no re-checksum).</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset) => BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>Rewrites the partition leader epoch in place (outside the CRC).</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch) => BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);
}

/// <summary>The codec in the low three bits of a batch's attributes.</summary>
public enum CompressionType : byte { None = 0, Gzip = 1, Snappy = 2, Lz4 = 3, Zstd = 4 }

/// <summary>Whether a batch's timestamps are the producer's or the broker's.</summary>
public enum TimestampType : byte { CreateTime = 0, LogAppendTime = 1 }

/// <summary>CRC-32C with the hardware instruction where the CPU has one.</summary>
public static class Crc32C
{
    // The crc32 instruction has a latency of ~3 cycles but a throughput of 1/cycle, so three independent
    // streams over adjacent blocks run ~3x faster; their CRCs are joined by "shifting" a CRC past the
    // following block's length (a linear map, done with precomputed tables), as in Mark Adler's crc32c.c.
    private const int LongBlock = 8192;
    private const int ShortBlock = 256;
    private static readonly uint[] s_longShift = BuildShiftTable(LongBlock);
    private static readonly uint[] s_shortShift = BuildShiftTable(ShortBlock);

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32C over more data (crc is the value returned for the bytes before).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        ulong c = ~crc;
        ref byte p = ref MemoryMarshal.GetReference(data);
        nint len = data.Length;
        nint i = 0;
        if (len >= 3 * ShortBlock)
        {
            while (len - i >= 3 * LongBlock)
            {
                c = ThreeWay(c, ref Unsafe.Add(ref p, i), LongBlock, s_longShift);
                i += 3 * LongBlock;
            }
            while (len - i >= 3 * ShortBlock)
            {
                c = ThreeWay(c, ref Unsafe.Add(ref p, i), ShortBlock, s_shortShift);
                i += 3 * ShortBlock;
            }
        }
        uint r = (uint)c;
        for (; len - i >= 8; i += 8) r = (uint)BitOperations.Crc32C(r, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        for (; i < len; i++) r = BitOperations.Crc32C(r, Unsafe.Add(ref p, i));
        return ~r;
    }

    private static ulong ThreeWay(ulong c0, ref byte block, int size, uint[] shift)
    {
        ulong c1 = 0, c2 = 0;
        ref byte b1 = ref Unsafe.Add(ref block, size);
        ref byte b2 = ref Unsafe.Add(ref block, 2 * size);
        for (int j = 0; j < size; j += 8)
        {
            c0 = BitOperations.Crc32C((uint)c0, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref block, j)));
            c1 = BitOperations.Crc32C((uint)c1, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b1, j)));
            c2 = BitOperations.Crc32C((uint)c2, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b2, j)));
        }
        c0 = Shift(shift, (uint)c0) ^ c1;
        return Shift(shift, (uint)c0) ^ c2;
    }

    private static uint Shift(uint[] t, uint c) =>
        t[c & 0xFF] ^ t[256 + ((c >> 8) & 0xFF)] ^ t[512 + ((c >> 16) & 0xFF)] ^ t[768 + (c >> 24)];

    /// <summary>Tables for the linear map "CRC register after <paramref name="zeros"/> more zero bytes", one per register byte.</summary>
    private static uint[] BuildShiftTable(int zeros)
    {
        var t = new uint[1024];
        for (int k = 0; k < 4; k++)
        {
            for (uint b = 0; b < 256; b++)
            {
                uint c = b << (8 * k);
                for (int z = 0; z < zeros; z += 8) c = (uint)BitOperations.Crc32C(c, 0UL);
                t[k * 256 + (int)b] = c;
            }
        }
        return t;
    }
}
