using System.Buffers.Binary;
using Chronik.Protocol.Compression;
using Chronik.Protocol.Records;
using Xunit;

namespace Chronik.Protocol.Tests.Records;

/// <summary>Regressions the fuzz tests found or guard against in the record and codec decoders.</summary>
public class RecordBoundsTests
{
    [Fact]
    public void A_batch_length_near_int_max_is_corrupt_not_an_overflow()
    {
        var bytes = RecordBatchTests.BuildBatch(CompressionType.Gzip, count: 2);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchHeader.BatchLengthOffset), int.MaxValue);
        Assert.Throws<CorruptRecordException>(() => { using var b = DecodedRecordBatch.Open(bytes); });
    }

    [Fact]
    public void Record_varints_that_overflow_32_bits_are_corrupt()
    {
        // A record length whose 5th byte carries bits above bit 31 (they used to be dropped silently).
        byte[] records = [0xFF, 0xFF, 0xFF, 0xFF, 0x1F];
        var e = Assert.Throws<CorruptRecordException>(() => { foreach (var r in new RecordReader(records, 1)) _ = r.OffsetDelta; });
        Assert.Contains("overflows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_count_larger_than_the_record_is_corrupt()
    {
        // length 8: attributes, timestamp delta, offset delta, null key, null value, header count 1000 (varint 0xD0 0x0F).
        byte[] records = [0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0xD0, 0x0F, 0x00];
        var e = Assert.Throws<CorruptRecordException>(() => { foreach (var r in new RecordReader(records, 1)) _ = r.OffsetDelta; });
        Assert.Contains("header count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snappy_block_declaring_more_than_it_can_expand_to_is_rejected_before_allocating()
    {
        // Declares 10 MiB (under the default limit) in 8 bytes: snappy cannot expand 8 bytes past ~170.
        byte[] block = [0x80, 0x80, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00];
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var sink = new PooledBufferWriter(256);
        Assert.Throws<CompressionException>(() => CompressionCodecs.Decompress(CompressionType.Snappy, block, sink));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }
}
