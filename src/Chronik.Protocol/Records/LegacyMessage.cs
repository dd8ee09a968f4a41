using System.Buffers.Binary;

namespace Chronik.Protocol.Records;

/// <summary>One message of a legacy (magic 0 or 1) message set, decoded in place; offsets and timestamps already resolved against a compressed wrapper.</summary>
public readonly ref struct LegacyMessage
{
    internal LegacyMessage(long offset, sbyte magic, byte attributes, long timestamp, TimestampType timestampType, uint crc,
        ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        Offset = offset;
        Magic = magic;
        Attributes = attributes;
        Timestamp = timestamp;
        TimestampType = timestampType;
        Crc = crc;
        Key = key;
        KeyIsNull = keyIsNull;
        Value = value;
        ValueIsNull = valueIsNull;
    }

    public long Offset { get; }
    public sbyte Magic { get; }
    public byte Attributes { get; }
    /// <summary>-1 for magic 0, which has no timestamp.</summary>
    public long Timestamp { get; }
    public TimestampType TimestampType { get; }
    public uint Crc { get; }
    public ReadOnlySpan<byte> Key { get; }
    public bool KeyIsNull { get; }
    public ReadOnlySpan<byte> Value { get; }
    public bool ValueIsNull { get; }
    public CompressionType Compression => (CompressionType)(Attributes & 0x07);

    /// <summary>offset(8) + size(4): the bytes before the size-counted part of a message.</summary>
    internal const int LogOverhead = 12;

    /// <summary>Parses the message at <paramref name="pos"/>; returns false, leaving pos, when only part of one is left.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> s, scoped ref int pos, bool verifyCrc, out LegacyMessage message)
    {
        message = default;
        var rest = s[pos..];
        if (rest.Length < LogOverhead) return false;
        long offset = BinaryPrimitives.ReadInt64BigEndian(rest);
        int size = BinaryPrimitives.ReadInt32BigEndian(rest[8..]);
        if (size < 14) CorruptRecordException.Throw($"legacy message size {size} too small");
        if (size > rest.Length - LogOverhead) return false;
        var m = rest.Slice(LogOverhead, size);
        uint crc = BinaryPrimitives.ReadUInt32BigEndian(m);
        sbyte magic = (sbyte)m[4];
        if (magic is not (0 or 1)) CorruptRecordException.Throw($"legacy message magic {magic}");
        if (verifyCrc && Crc32.Compute(m[4..]) != crc) CorruptRecordException.Throw("legacy message CRC mismatch");
        byte attributes = m[5];
        int p = 6;
        long timestamp = -1;
        if (magic == 1)
        {
            if (size < 22) CorruptRecordException.Throw($"legacy v1 message size {size} too small");
            timestamp = BinaryPrimitives.ReadInt64BigEndian(m[p..]);
            p += 8;
        }
        var key = ReadBytes(m, ref p, out bool keyIsNull);
        var value = ReadBytes(m, ref p, out bool valueIsNull);
        if (p != m.Length) CorruptRecordException.Throw("legacy message size does not match its fields");
        var type = magic == 1 && (attributes & 0x08) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
        message = new LegacyMessage(offset, magic, attributes, timestamp, type, crc, key, keyIsNull, value, valueIsNull);
        pos += LogOverhead + size;
        return true;
    }

    internal LegacyMessage WithResolved(long offset, long timestamp, TimestampType type) =>
        new(offset, Magic, Attributes, timestamp, type, Crc, Key, KeyIsNull, Value, ValueIsNull);

    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> m, scoped ref int p, out bool isNull)
    {
        if (m.Length - p < 4) CorruptRecordException.Throw("truncated legacy message");
        int len = BinaryPrimitives.ReadInt32BigEndian(m[p..]);
        p += 4;
        isNull = len < 0;
        if (isNull) return default;
        if (len > m.Length - p) CorruptRecordException.Throw($"legacy message field length {len} out of range");
        var b = m.Slice(p, len);
        p += len;
        return b;
    }
}
