using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Chronik.Protocol.Compression;

namespace Chronik.Protocol.Records;

/// <summary>Builds one v2 record batch: append records, then write the batch with compression and CRC-32C. Reusable after <see cref="Reset"/>.</summary>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly PooledBufferWriter _records = new(16 * 1024);
    private long _baseTimestamp;
    private long _maxTimestamp = -1;
    private int _count;
    private int _lastDelta = -1;

    public CompressionType Compression { get; set; }
    public TimestampType TimestampType { get; set; }
    public long BaseOffset { get; set; }
    public int PartitionLeaderEpoch { get; set; } = -1;
    public long ProducerId { get; set; } = -1;
    public short ProducerEpoch { get; set; } = -1;
    public int BaseSequence { get; set; } = -1;
    public bool IsTransactional { get; set; }
    public bool IsControl { get; set; }
    public int Count => _count;
    /// <summary>
    /// The header's lastOffsetDelta; null (the default) means the last record's offset delta. A compacted batch
    /// keeps its original value so the batch still spans its original offsets (producer state, sequences).
    /// </summary>
    public int? LastOffsetDelta { get; set; }

    public RecordBatchBuilder(CompressionType compression = CompressionType.None) => Compression = compression;

    /// <summary>Appends a record with the next offset delta; the first record's timestamp becomes the batch base timestamp.</summary>
    public void Append(long timestamp, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ReadOnlySpan<RecordHeader> headers = default) =>
        Append(timestamp, key, false, value, false, headers);

    /// <summary>Appends a record whose key or value may be null (a null value is a tombstone).</summary>
    public void Append(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeader> headers = default) =>
        Append(timestamp, key.HasValue ? key.Value.Span : default, !key.HasValue, value.HasValue ? value.Value.Span : default, !value.HasValue, headers);

    public void Append(long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, ReadOnlySpan<RecordHeader> headers)
    {
        int headersSize = VarInt.SizeOfInt(headers.Length);
        foreach (var h in headers)
        {
            int keyBytes = Encoding.UTF8.GetByteCount(h.Key);
            int valueBytes = h.Value?.Length ?? -1;
            headersSize += VarInt.SizeOfInt(keyBytes) + keyBytes + VarInt.SizeOfInt(valueBytes) + Math.Max(valueBytes, 0);
        }
        var s = BeginRecord(timestamp, _lastDelta + 1, key, keyIsNull, value, valueIsNull, headersSize, out int p, out int total);
        p += VarInt.WriteInt(s[p..], headers.Length);
        foreach (var h in headers)
        {
            int keyBytes = Encoding.UTF8.GetByteCount(h.Key);
            p += VarInt.WriteInt(s[p..], keyBytes);
            p += Encoding.UTF8.GetBytes(h.Key, s[p..]);
            p += WriteNullableBytes(s[p..], h.Value.HasValue ? h.Value.Value.Span : default, !h.Value.HasValue);
        }
        EndRecord(p, total, _lastDelta + 1);
    }

    /// <summary>
    /// Appends a record with an explicit offset delta (strictly above the previous record's) and its headers
    /// already encoded (<paramref name="rawHeaders"/> is the entries after the count, as <see cref="Record.RawHeaders"/>
    /// gives them): used to rewrite a batch with some records removed, keeping every offset.
    /// </summary>
    public void AppendWithOffsetDelta(long timestamp, int offsetDelta, ReadOnlySpan<byte> key, bool keyIsNull,
        ReadOnlySpan<byte> value, bool valueIsNull, int headerCount, ReadOnlySpan<byte> rawHeaders)
    {
        if (offsetDelta <= _lastDelta) throw new ArgumentOutOfRangeException(nameof(offsetDelta), offsetDelta, "offset deltas must increase");
        int headersSize = VarInt.SizeOfInt(headerCount) + rawHeaders.Length;
        var s = BeginRecord(timestamp, offsetDelta, key, keyIsNull, value, valueIsNull, headersSize, out int p, out int total);
        p += VarInt.WriteInt(s[p..], headerCount);
        rawHeaders.CopyTo(s[p..]);
        EndRecord(p + rawHeaders.Length, total, offsetDelta);
    }

    private Span<byte> BeginRecord(long timestamp, int offsetDelta, ReadOnlySpan<byte> key, bool keyIsNull,
        ReadOnlySpan<byte> value, bool valueIsNull, int headersSize, out int p, out int total)
    {
        if (_count == 0) _baseTimestamp = timestamp;
        _maxTimestamp = Math.Max(_maxTimestamp, timestamp);
        long timestampDelta = timestamp - _baseTimestamp;
        int keyLength = keyIsNull ? -1 : key.Length;
        int valueLength = valueIsNull ? -1 : value.Length;
        int bodySize = 1 + VarInt.SizeOfLong(timestampDelta) + VarInt.SizeOfInt(offsetDelta)
            + VarInt.SizeOfInt(keyLength) + Math.Max(keyLength, 0)
            + VarInt.SizeOfInt(valueLength) + Math.Max(valueLength, 0) + headersSize;
        total = VarInt.SizeOfInt(bodySize) + bodySize;

        var s = _records.GetSpan(total);
        p = VarInt.WriteInt(s, bodySize);
        s[p++] = 0; // record attributes: unused, always 0
        p += VarInt.WriteLong(s[p..], timestampDelta);
        p += VarInt.WriteInt(s[p..], offsetDelta);
        p += WriteNullableBytes(s[p..], key, keyIsNull);
        p += WriteNullableBytes(s[p..], value, valueIsNull);
        return s;
    }

    private void EndRecord(int p, int total, int offsetDelta)
    {
        if (p != total) throw new InvalidOperationException("record size mismatch");
        _records.Advance(total);
        _count++;
        _lastDelta = offsetDelta;
    }

    /// <summary>Writes the finished batch to <paramref name="output"/> and returns its size in bytes.</summary>
    public int WriteTo(IBufferWriter<byte> output)
    {
        if (_count == 0) throw new InvalidOperationException("a record batch needs at least one record");
        PooledBufferWriter? compressed = null;
        try
        {
            ReadOnlySpan<byte> body = _records.WrittenSpan;
            if (Compression != CompressionType.None)
            {
                compressed = new PooledBufferWriter(body.Length / 2 + 1024);
                CompressionCodecs.Compress(Compression, body, compressed);
                body = compressed.WrittenSpan;
            }
            int size = RecordBatchHeader.Size + body.Length;
            var b = output.GetSpan(size)[..size];
            short attributes = (short)((int)Compression
                | (TimestampType == TimestampType.LogAppendTime ? 0x08 : 0)
                | (IsTransactional ? 0x10 : 0)
                | (IsControl ? 0x20 : 0));
            BinaryPrimitives.WriteInt64BigEndian(b, BaseOffset);
            BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.BatchLengthOffset..], size - RecordBatchHeader.LogOverhead);
            BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
            b[RecordBatchHeader.MagicOffset] = 2;
            BinaryPrimitives.WriteInt16BigEndian(b[RecordBatchHeader.AttributesOffset..], attributes);
            BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.LastOffsetDeltaOffset..], Math.Max(LastOffsetDelta ?? _lastDelta, _lastDelta));
            BinaryPrimitives.WriteInt64BigEndian(b[RecordBatchHeader.BaseTimestampOffset..], _baseTimestamp);
            BinaryPrimitives.WriteInt64BigEndian(b[RecordBatchHeader.MaxTimestampOffset..], _maxTimestamp);
            BinaryPrimitives.WriteInt64BigEndian(b[RecordBatchHeader.ProducerIdOffset..], ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(b[RecordBatchHeader.ProducerEpochOffset..], ProducerEpoch);
            BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.BaseSequenceOffset..], BaseSequence);
            BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.RecordCountOffset..], _count);
            body.CopyTo(b[RecordBatchHeader.Size..]);
            BinaryPrimitives.WriteUInt32BigEndian(b[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(b));
            output.Advance(size);
            return size;
        }
        finally
        {
            compressed?.Dispose();
        }
    }

    /// <summary>Builds the batch into a new array (convenient for tests and small control batches).</summary>
    public byte[] ToArray()
    {
        using var w = new PooledBufferWriter(_records.WrittenCount + RecordBatchHeader.Size + 64);
        WriteTo(w);
        return w.ToArray();
    }

    /// <summary>Drops the appended records; batch-level settings are kept.</summary>
    public void Reset()
    {
        _records.Clear();
        _count = 0;
        _lastDelta = -1;
        _maxTimestamp = -1;
        _baseTimestamp = 0;
    }

    public void Dispose() => _records.Dispose();

    private static int WriteNullableBytes(Span<byte> s, ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull) return VarInt.WriteInt(s, -1);
        int p = VarInt.WriteInt(s, bytes.Length);
        bytes.CopyTo(s[p..]);
        return p + bytes.Length;
    }
}
