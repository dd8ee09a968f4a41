using System.Runtime.CompilerServices;

namespace Chronik.Protocol.Records;

/// <summary>Zig-zag varint/varlong reads and writes over spans, as used inside v2 records.</summary>
internal static class VarInt
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadInt(ReadOnlySpan<byte> s, scoped ref int pos)
    {
        if ((uint)pos < (uint)s.Length && s[pos] < 0x80)
        {
            uint b = s[pos++];
            return (int)(b >> 1) ^ -(int)(b & 1);
        }
        uint v = ReadUnsignedSlow(s, ref pos, 5);
        return (int)(v >> 1) ^ -(int)(v & 1);
    }

    public static long ReadLong(ReadOnlySpan<byte> s, scoped ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if ((uint)pos >= (uint)s.Length) CorruptRecordException.Throw("truncated varlong");
            byte b = s[pos++];
            // The 10th byte holds bit 63 only; more would be silently dropped.
            if (shift == 63 && b > 0x01) CorruptRecordException.Throw(b < 0x80 ? "varlong overflows 64 bits" : "varlong longer than 10 bytes");
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return (long)(v >> 1) ^ -(long)(v & 1);
        }
        CorruptRecordException.Throw("varlong longer than 10 bytes");
        return 0;
    }

    private static uint ReadUnsignedSlow(ReadOnlySpan<byte> s, scoped ref int pos, int maxBytes)
    {
        uint v = 0;
        for (int i = 0; i < maxBytes; i++)
        {
            if ((uint)pos >= (uint)s.Length) CorruptRecordException.Throw("truncated varint");
            byte b = s[pos++];
            // The 5th byte holds bits 28-31 only; more would be silently dropped.
            if (i == 4 && b > 0x0F) CorruptRecordException.Throw(b < 0x80 ? "varint overflows 32 bits" : "varint longer than 5 bytes");
            v |= (uint)(b & 0x7F) << (7 * i);
            if (b < 0x80) return v;
        }
        CorruptRecordException.Throw("varint longer than 5 bytes");
        return 0;
    }

    public static int SizeOfInt(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfLong(long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    private static int SizeOfUnsigned(uint v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    public static int WriteInt(Span<byte> s, int value) => WriteUnsigned(s, (uint)((value << 1) ^ (value >> 31)));

    public static int WriteLong(Span<byte> s, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        int i = 0;
        while (v >= 0x80) { s[i++] = (byte)(v | 0x80); v >>= 7; }
        s[i++] = (byte)v;
        return i;
    }

    private static int WriteUnsigned(Span<byte> s, uint v)
    {
        int i = 0;
        while (v >= 0x80) { s[i++] = (byte)(v | 0x80); v >>= 7; }
        s[i++] = (byte)v;
        return i;
    }
}
