using System.Buffers.Binary;
using System.Text;

namespace Chronik.Protocol.Tests.Generated;

/// <summary>
/// Builds a frame byte by byte from Kafka's wire rules (protocol guide, "Protocol Primitive Types"), with no use of
/// the generated codec: big-endian integers, unsigned varints, compact strings/arrays as length+1, and UUIDs as their
/// 16 bytes most-significant first. The golden-frame tests spell each message out field by field with it.
/// </summary>
internal sealed class HandFrame
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public HandFrame Bool(bool v) { _bytes.Add(v ? (byte)1 : (byte)0); return this; }

    public HandFrame I8(sbyte v) { _bytes.Add(unchecked((byte)v)); return this; }

    public HandFrame I16(short v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); _bytes.AddRange(b); return this; }

    public HandFrame I32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); _bytes.AddRange(b); return this; }

    public HandFrame I64(long v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); _bytes.AddRange(b); return this; }

    /// <summary>UNSIGNED_VARINT: 7 bits a byte, low bits first, high bit set on every byte but the last.</summary>
    public HandFrame UVarint(uint v)
    {
        while (v >= 0x80)
        {
            _bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }
        _bytes.Add((byte)v);
        return this;
    }

    /// <summary>UUID written as hex digits ("00112233-...") in wire order.</summary>
    public HandFrame Uuid(string hex)
    {
        _bytes.AddRange(Convert.FromHexString(hex.Replace("-", "", StringComparison.Ordinal)));
        return this;
    }

    /// <summary>COMPACT_STRING / COMPACT_NULLABLE_STRING: length+1 as an unsigned varint (0 = null), then UTF-8.</summary>
    public HandFrame CStr(string? s)
    {
        if (s is null) return UVarint(0);
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        UVarint((uint)utf8.Length + 1);
        _bytes.AddRange(utf8);
        return this;
    }

    /// <summary>NULLABLE_STRING (int16 length): the request header's client id, non-compact even in header v2.</summary>
    public HandFrame Str16(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        I16((short)utf8.Length);
        _bytes.AddRange(utf8);
        return this;
    }

    /// <summary>COMPACT_BYTES / COMPACT_RECORDS: length+1, then the bytes.</summary>
    public HandFrame CBytes(byte[] b)
    {
        UVarint((uint)b.Length + 1);
        _bytes.AddRange(b);
        return this;
    }

    /// <summary>A compact array's length (N+1; 0 is a null array); its elements follow.</summary>
    public HandFrame CArray(int count) => UVarint((uint)(count + 1));

    /// <summary>An empty tagged-field section.</summary>
    public HandFrame NoTags() => UVarint(0);

    /// <summary>Request header v2: api key, api version, correlation id, client id (int16 string), no tagged fields.</summary>
    public HandFrame RequestHeader(short apiKey, short apiVersion, int correlationId, string clientId) =>
        I16(apiKey).I16(apiVersion).I32(correlationId).Str16(clientId).NoTags();

    /// <summary>Response header v1: correlation id, no tagged fields.</summary>
    public HandFrame ResponseHeader(int correlationId) => I32(correlationId).NoTags();
}
