using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Chronik.Protocol.Wire;

/// <summary>
/// Reads Kafka wire primitives from one contiguous buffer; bytes and records fields can be sliced without copying.
/// Every length is checked against the bytes left before anything is allocated for it, so a hostile frame costs at
/// most a small multiple of its own size. A tagged field is read under a limit (<see cref="PushLimit"/>): it cannot
/// reach past its declared size.
/// </summary>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _pos;
    // Where reading stops: the buffer's end, or the end of the tagged field being read.
    private int _limit;

    public KafkaReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
        _pos = 0;
        _limit = _span.Length;
    }

    public readonly int Position => _pos;
    public readonly int Remaining => _limit - _pos;
    public readonly bool End => _pos >= _limit;
    public readonly ReadOnlyMemory<byte> Memory => _memory;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_limit - _pos)) KafkaProtocolException.ThrowTruncated();
        var s = _span.Slice(_pos, count);
        _pos += count;
        return s;
    }

    public void Skip(int count) => Take(count);

    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public bool ReadBool() => Take(1)[0] != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));
    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (int shift = 0; shift < 28; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        // The 5th byte holds bits 28-31 only: anything above would be silently dropped.
        byte last = Take(1)[0];
        if (last > 0x0F) KafkaProtocolException.Throw((last & 0x80) != 0 ? "varint is longer than 5 bytes" : "varint overflows 32 bits");
        return value | (uint)last << 28;
    }

    public ulong ReadUnsignedVarLong()
    {
        ulong value = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        // The 10th byte holds bit 63 only.
        byte last = Take(1)[0];
        if (last > 0x01) KafkaProtocolException.Throw((last & 0x80) != 0 ? "varlong is longer than 10 bytes" : "varlong overflows 64 bits");
        return value | (ulong)last << 63;
    }

    public int ReadVarInt() { uint v = ReadUnsignedVarInt(); return (int)(v >> 1) ^ -(int)(v & 1); }
    public long ReadVarLong() { ulong v = ReadUnsignedVarLong(); return (long)(v >> 1) ^ -(long)(v & 1); }

    /// <summary>Length of a string, bytes or array: int16/int32 classic or unsigned varint minus one when compact; -1 means null, and no other negative length is accepted.</summary>
    public int ReadLength(bool compact, bool int16)
    {
        if (compact)
        {
            uint v = ReadUnsignedVarInt();
            if (v > int.MaxValue) KafkaProtocolException.Throw($"compact length {v} out of range");
            return (int)v - 1;
        }
        int len = int16 ? ReadInt16() : ReadInt32();
        if (len < -1) KafkaProtocolException.Throw($"negative length {len}");
        return len;
    }

    public string? ReadString(bool compact, bool nullable)
    {
        int len = ReadLength(compact, int16: true);
        if (len < 0)
        {
            if (!nullable) KafkaProtocolException.Throw("non-nullable string is null");
            return null;
        }
        // Kafka's own limit for every string, compact ones included.
        if (len > short.MaxValue) KafkaProtocolException.Throw($"string length {len} exceeds 32767");
        return len == 0 ? string.Empty : Encoding.UTF8.GetString(Take(len));
    }

    public byte[]? ReadBytes(bool compact, bool nullable)
    {
        int len = ReadLength(compact, int16: false);
        if (len < 0)
        {
            if (!nullable) KafkaProtocolException.Throw("non-nullable bytes are null");
            return null;
        }
        return len == 0 ? [] : Take(len).ToArray();
    }

    /// <summary>A records field: a slice of the underlying buffer, no copy.</summary>
    public ReadOnlyMemory<byte>? ReadRecords(bool compact)
    {
        int len = ReadLength(compact, int16: false);
        if (len < 0) return null;
        if ((uint)len > (uint)Remaining) KafkaProtocolException.ThrowTruncated();
        var m = _memory.Slice(_pos, len);
        _pos += len;
        return m;
    }

    /// <summary>Array length; null arrays give -1. Guards against lengths larger than the bytes left.</summary>
    public int ReadArrayLength(bool compact) => ReadArrayLength(compact, 1);

    /// <summary>Array length whose elements take at least <paramref name="minElementSize"/> bytes each (0 counts as 1): the count must fit in the bytes left.</summary>
    public int ReadArrayLength(bool compact, int minElementSize)
    {
        int len = ReadLength(compact, int16: false);
        if (len > Remaining / Math.Max(minElementSize, 1)) KafkaProtocolException.Throw("array length exceeds the frame");
        return len;
    }

    public ReadOnlySpan<byte> ReadRaw(int count) => Take(count);

    /// <summary>Number of tagged fields in a section; each takes at least two bytes (tag and size), so a count past that is malformed.</summary>
    public int ReadTaggedFieldCount()
    {
        uint n = ReadUnsignedVarInt();
        if (n > (uint)Remaining / 2) KafkaProtocolException.Throw($"{n} tagged fields cannot fit in {Remaining} bytes");
        return (int)n;
    }

    /// <summary>A tagged field's tag and size; the size must fit in the bytes left.</summary>
    public void ReadTaggedFieldHeader(out int tag, out int size)
    {
        uint t = ReadUnsignedVarInt();
        if (t > int.MaxValue) KafkaProtocolException.Throw($"tag {t} out of range");
        uint s = ReadUnsignedVarInt();
        if (s > (uint)Remaining) KafkaProtocolException.Throw($"tagged field of {s} bytes exceeds the frame");
        tag = (int)t;
        size = (int)s;
    }

    /// <summary>Limits reading to the next <paramref name="size"/> bytes (a tagged field's value); returns the limit to hand to <see cref="PopLimit"/>.</summary>
    public int PushLimit(int size)
    {
        if ((uint)size > (uint)Remaining) KafkaProtocolException.ThrowTruncated();
        int previous = _limit;
        _limit = _pos + size;
        return previous;
    }

    /// <summary>Checks that the limited value was read exactly to its end, then restores the previous limit.</summary>
    public void PopLimit(int previous)
    {
        if (_pos != _limit) KafkaProtocolException.Throw("tagged field size mismatch");
        _limit = previous;
    }

    /// <summary>An unknown tagged field, kept so it can be written back unchanged.</summary>
    public RawTaggedField ReadRawTaggedField(int tag, int size) => new(tag, Take(size).ToArray());

    /// <summary>Checks that a tagged field consumed exactly its declared size.</summary>
    public readonly void ExpectPosition(int expected)
    {
        if (_pos != expected) KafkaProtocolException.Throw("tagged field size mismatch");
    }
}
