using System.Text;

namespace Chronik.Protocol.Records;

/// <summary>One v2 record decoded in place: every field is a slice of the (decompressed) records section, nothing is copied.</summary>
public readonly ref struct Record
{
    internal Record(byte attributes, long timestampDelta, int offsetDelta, ReadOnlySpan<byte> key, bool keyIsNull,
        ReadOnlySpan<byte> value, bool valueIsNull, int headerCount, ReadOnlySpan<byte> rawHeaders, int sizeInBytes)
    {
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        Key = key;
        KeyIsNull = keyIsNull;
        Value = value;
        ValueIsNull = valueIsNull;
        HeaderCount = headerCount;
        RawHeaders = rawHeaders;
        SizeInBytes = sizeInBytes;
    }

    public byte Attributes { get; }
    public long TimestampDelta { get; }
    public int OffsetDelta { get; }
    public ReadOnlySpan<byte> Key { get; }
    public bool KeyIsNull { get; }
    public ReadOnlySpan<byte> Value { get; }
    public bool ValueIsNull { get; }
    public int HeaderCount { get; }
    /// <summary>The encoded header entries, after the count; already bounds-checked by the reader.</summary>
    public ReadOnlySpan<byte> RawHeaders { get; }
    /// <summary>Bytes of the whole record including its length prefix.</summary>
    public int SizeInBytes { get; }

    public RecordHeaderEnumerator Headers => new(RawHeaders, HeaderCount);

    public long Timestamp(in RecordBatchHeader batch) =>
        batch.TimestampType == TimestampType.LogAppendTime ? batch.MaxTimestamp : batch.BaseTimestamp + TimestampDelta;

    public long Offset(in RecordBatchHeader batch) => batch.BaseOffset + OffsetDelta;
}

/// <summary>One record header in place: a UTF-8 key and a nullable value.</summary>
public readonly ref struct RecordHeaderView
{
    internal RecordHeaderView(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        Key = key;
        Value = value;
        ValueIsNull = valueIsNull;
    }

    public ReadOnlySpan<byte> Key { get; }
    public ReadOnlySpan<byte> Value { get; }
    public bool ValueIsNull { get; }
    public string KeyString => Encoding.UTF8.GetString(Key);
}

/// <summary>Walks the headers of one record without allocating.</summary>
public ref struct RecordHeaderEnumerator
{
    private readonly ReadOnlySpan<byte> _raw;
    private int _remaining;
    private int _pos;
    private RecordHeaderView _current;

    internal RecordHeaderEnumerator(ReadOnlySpan<byte> raw, int count)
    {
        _raw = raw;
        _remaining = count;
        _pos = 0;
        _current = default;
    }

    public readonly RecordHeaderView Current => _current;
    public readonly RecordHeaderEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining <= 0) return false;
        _remaining--;
        _current = RecordReader.ReadHeader(_raw, ref _pos);
        return true;
    }
}

/// <summary>A record header to write: a string key and a nullable value.</summary>
public readonly record struct RecordHeader(string Key, ReadOnlyMemory<byte>? Value);
