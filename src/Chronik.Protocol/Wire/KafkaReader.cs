using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Chronik.Protocol.Wire;

/// <summary>Reads Kafka wire primitives from one contiguous buffer; bytes and records fields can be sliced without copying.</summary>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _pos;

    public KafkaReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
        _pos = 0;
    }

    public readonly int Position => _pos;
    public readonly int Remaining => _span.Length - _pos;
    public readonly bool End => _pos >= _span.Length;
    public readonly ReadOnlyMemory<byte> Memory => _memory;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _pos)) KafkaProtocolException.ThrowTruncated();
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
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        KafkaProtocolException.Throw("varint is longer than 5 bytes");
        return 0;
    }

    public ulong ReadUnsignedVarLong()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        KafkaProtocolException.Throw("varlong is longer than 10 bytes");
        return 0;
    }

    public int ReadVarInt() { uint v = ReadUnsignedVarInt(); return (int)(v >> 1) ^ -(int)(v & 1); }
    public long ReadVarLong() { ulong v = ReadUnsignedVarLong(); return (long)(v >> 1) ^ -(long)(v & 1); }

    /// <summary>Length of a string, bytes or array: int16/int32 classic or unsigned varint minus one when compact; -1 means null.</summary>
    public int ReadLength(bool compact, bool int16)
    {
        if (compact) return (int)ReadUnsignedVarInt() - 1;
        return int16 ? ReadInt16() : ReadInt32();
    }

    public string? ReadString(bool compact, bool nullable)
    {
        int len = ReadLength(compact, int16: true);
        if (len < 0)
        {
            if (!nullable) KafkaProtocolException.Throw("non-nullable string is null");
            return null;
        }
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
    public int ReadArrayLength(bool compact)
    {
        int len = ReadLength(compact, int16: false);
        if (len > Remaining) KafkaProtocolException.Throw("array length exceeds the frame");
        return len;
    }

    public ReadOnlySpan<byte> ReadRaw(int count) => Take(count);

    /// <summary>An unknown tagged field, kept so it can be written back unchanged.</summary>
    public RawTaggedField ReadRawTaggedField(int tag, int size) => new(tag, Take(size).ToArray());

    /// <summary>Checks that a tagged field consumed exactly its declared size.</summary>
    public readonly void ExpectPosition(int expected)
    {
        if (_pos != expected) KafkaProtocolException.Throw("tagged field size mismatch");
    }
}
