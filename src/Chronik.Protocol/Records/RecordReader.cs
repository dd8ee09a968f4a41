namespace Chronik.Protocol.Records;

/// <summary>Decodes the records of one batch one at a time from an uncompressed records section, allocating nothing per record.</summary>
public ref struct RecordReader
{
    private readonly ReadOnlySpan<byte> _records;
    private int _remaining;
    private int _pos;
    private Record _current;

    /// <param name="records">The records section (after the 61-byte header, decompressed if needed).</param>
    /// <param name="count">The batch's recordCount; the section must hold exactly that many records.</param>
    public RecordReader(ReadOnlySpan<byte> records, int count)
    {
        if (count < 0) CorruptRecordException.Throw($"negative record count {count}");
        _records = records;
        _remaining = count;
        _pos = 0;
        _current = default;
    }

    public readonly Record Current => _current;
    public readonly RecordReader GetEnumerator() => this;
    /// <summary>Byte position of the next record within the records section.</summary>
    public readonly int Position => _pos;

    public bool MoveNext()
    {
        if (_remaining == 0)
        {
            if (_pos != _records.Length) CorruptRecordException.Throw($"{_records.Length - _pos} bytes left after the last record");
            return false;
        }
        _remaining--;
        _current = ReadRecord(_records, ref _pos);
        return true;
    }

    private static Record ReadRecord(ReadOnlySpan<byte> s, scoped ref int pos)
    {
        int start = pos;
        int length = VarInt.ReadInt(s, ref pos);
        if (length < 0 || length > s.Length - pos) CorruptRecordException.Throw($"record length {length} out of range");
        int end = pos + length;
        var r = s[..end];
        if (pos >= end) CorruptRecordException.Throw("empty record");
        byte attributes = r[pos++];
        long timestampDelta = VarInt.ReadLong(r, ref pos);
        int offsetDelta = VarInt.ReadInt(r, ref pos);
        var key = ReadNullableBytes(r, ref pos, out bool keyIsNull);
        var value = ReadNullableBytes(r, ref pos, out bool valueIsNull);
        int headerCount = VarInt.ReadInt(r, ref pos);
        // Each header takes at least two bytes (key length and value length).
        if (headerCount < 0 || headerCount > (end - pos) / 2) CorruptRecordException.Throw($"header count {headerCount} out of range");
        int headersStart = pos;
        for (int i = 0; i < headerCount; i++) ReadHeader(r, ref pos);
        if (pos != end) CorruptRecordException.Throw("record length does not match its fields");
        return new Record(attributes, timestampDelta, offsetDelta, key, keyIsNull, value, valueIsNull,
            headerCount, r[headersStart..end], end - start);
    }

    internal static RecordHeaderView ReadHeader(ReadOnlySpan<byte> s, scoped ref int pos)
    {
        int keyLength = VarInt.ReadInt(s, ref pos);
        if (keyLength < 0 || keyLength > s.Length - pos) CorruptRecordException.Throw($"header key length {keyLength} out of range");
        var key = s.Slice(pos, keyLength);
        pos += keyLength;
        var value = ReadNullableBytes(s, ref pos, out bool valueIsNull);
        return new RecordHeaderView(key, value, valueIsNull);
    }

    private static ReadOnlySpan<byte> ReadNullableBytes(ReadOnlySpan<byte> s, scoped ref int pos, out bool isNull)
    {
        int length = VarInt.ReadInt(s, ref pos);
        isNull = length < 0;
        if (isNull)
        {
            if (length != -1) CorruptRecordException.Throw($"invalid length {length}");
            return default;
        }
        if (length > s.Length - pos) CorruptRecordException.Throw($"length {length} past the end of the record");
        var b = s.Slice(pos, length);
        pos += length;
        return b;
    }
}
