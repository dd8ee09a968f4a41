using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Tests;

/// <summary>Builds valid uncompressed v2 record batches the way a producer would send them.</summary>
internal static class TestBatches
{
    /// <summary>A batch of <paramref name="records"/> records with values of <paramref name="valueSize"/> bytes, timestamps base, base+1, ...</summary>
    public static byte[] Build(int records, int valueSize = 16, long baseTimestamp = 1_000)
    {
        var body = new List<byte>();
        for (int i = 0; i < records; i++)
        {
            var record = new List<byte> { 0 }; // attributes
            WriteVarLong(record, i); // timestamp delta
            WriteVarLong(record, i); // offset delta
            WriteVarLong(record, -1); // null key
            WriteVarLong(record, valueSize);
            for (int b = 0; b < valueSize; b++) record.Add((byte)(i + b));
            WriteVarLong(record, 0); // no headers
            WriteVarLong(body, record.Count);
            body.AddRange(record);
        }
        var batch = new byte[RecordBatchHeader.Size + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BatchLengthOffset..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.PartitionLeaderEpochOffset..], -1);
        span[RecordBatchHeader.MagicOffset] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.AttributesOffset..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LastOffsetDeltaOffset..], records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseTimestampOffset..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.MaxTimestampOffset..], baseTimestamp + records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.ProducerIdOffset..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.ProducerEpochOffset..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BaseSequenceOffset..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.RecordCountOffset..], records);
        body.CopyTo(batch, RecordBatchHeader.Size);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }

    public static byte[] Concat(params byte[][] batches) => batches.SelectMany(b => b).ToArray();

    /// <summary>The headers of every batch in <paramref name="bytes"/>, checking each CRC on the way.</summary>
    public static List<RecordBatchHeader> Headers(ReadOnlySpan<byte> bytes)
    {
        var headers = new List<RecordBatchHeader>();
        while (!bytes.IsEmpty)
        {
            var header = RecordBatchHeader.Read(bytes);
            var batch = bytes[..header.TotalSize];
            Assert.Equal(header.Crc, RecordBatchHeader.ComputeCrc(batch));
            headers.Add(header);
            bytes = bytes[header.TotalSize..];
        }
        return headers;
    }

    private static void WriteVarLong(List<byte> output, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }
        output.Add((byte)v);
    }
}

/// <summary>A clock tests move by hand.</summary>
public sealed class FakeTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public FakeTime() : this(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)) { }

    public long NowMs => _now.ToUnixTimeMilliseconds();
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
