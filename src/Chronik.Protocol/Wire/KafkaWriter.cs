using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Chronik.Protocol.Wire;

/// <summary>Writes Kafka wire primitives into a span sized beforehand with the message's ComputeSize.</summary>
public ref struct KafkaWriter
{
    private readonly Span<byte> _span;
    private int _pos;

    public KafkaWriter(Span<byte> span)
    {
        _span = span;
        _pos = 0;
    }

    public readonly int Position => _pos;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _pos)) KafkaProtocolException.Throw("write past the computed size");
        var s = _span.Slice(_pos, count);
        _pos += count;
        return s;
    }

    public void WriteInt8(sbyte v) => Take(1)[0] = (byte)v;
    public void WriteBool(bool v) => Take(1)[0] = v ? (byte)1 : (byte)0;
    public void WriteInt16(short v) => BinaryPrimitives.WriteInt16BigEndian(Take(2), v);
    public void WriteUInt16(ushort v) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), v);
    public void WriteInt32(int v) => BinaryPrimitives.WriteInt32BigEndian(Take(4), v);
    public void WriteUInt32(uint v) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), v);
    public void WriteInt64(long v) => BinaryPrimitives.WriteInt64BigEndian(Take(8), v);
    public void WriteFloat64(double v) => BinaryPrimitives.WriteDoubleBigEndian(Take(8), v);
    public void WriteUuid(Guid v) => v.TryWriteBytes(Take(16), bigEndian: true, out _);

    public void WriteUnsignedVarInt(uint v)
    {
        while (v >= 0x80)
        {
            Take(1)[0] = (byte)(v | 0x80);
            v >>= 7;
        }
        Take(1)[0] = (byte)v;
    }

    public void WriteUnsignedVarLong(ulong v)
    {
        while (v >= 0x80)
        {
            Take(1)[0] = (byte)(v | 0x80);
            v >>= 7;
        }
        Take(1)[0] = (byte)v;
    }

    public void WriteVarInt(int v) => WriteUnsignedVarInt((uint)((v << 1) ^ (v >> 31)));
    public void WriteVarLong(long v) => WriteUnsignedVarLong((ulong)((v << 1) ^ (v >> 63)));

    public void WriteLength(int len, bool compact, bool int16)
    {
        if (compact) WriteUnsignedVarInt((uint)(len + 1));
        else if (int16) WriteInt16((short)len);
        else WriteInt32(len);
    }

    public void WriteString(string? s, bool compact)
    {
        if (s is null) { WriteLength(-1, compact, int16: true); return; }
        int n = Encoding.UTF8.GetByteCount(s);
        if (!compact && n > short.MaxValue) KafkaProtocolException.Throw("string longer than 32767 bytes");
        WriteLength(n, compact, int16: true);
        Encoding.UTF8.GetBytes(s, Take(n));
    }

    public void WriteBytes(ReadOnlySpan<byte> b, bool isNull, bool compact)
    {
        if (isNull) { WriteLength(-1, compact, int16: false); return; }
        WriteLength(b.Length, compact, int16: false);
        b.CopyTo(Take(b.Length));
    }

    public void WriteRaw(ReadOnlySpan<byte> b) => b.CopyTo(Take(b.Length));
}

/// <summary>Sizes of the wire primitives, for ComputeSize.</summary>
public static class KafkaSizes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int UnsignedVarInt(uint v) => (38 - System.Numerics.BitOperations.LeadingZeroCount(v | 1)) / 7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int UnsignedVarLong(ulong v) => (70 - System.Numerics.BitOperations.LeadingZeroCount(v | 1)) / 7;

    public static int VarInt(int v) => UnsignedVarInt((uint)((v << 1) ^ (v >> 31)));
    public static int VarLong(long v) => UnsignedVarLong((ulong)((v << 1) ^ (v >> 63)));

    public static int Length(int len, bool compact, bool int16) => compact ? UnsignedVarInt((uint)(len + 1)) : int16 ? 2 : 4;

    public static int String(string? s, bool compact)
    {
        if (s is null) return Length(-1, compact, true);
        int n = Encoding.UTF8.GetByteCount(s);
        return Length(n, compact, true) + n;
    }

    public static int Bytes(int length, bool isNull, bool compact) => isNull ? Length(-1, compact, false) : Length(length, compact, false) + length;
}
