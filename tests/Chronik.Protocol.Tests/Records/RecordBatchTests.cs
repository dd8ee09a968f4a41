using System.Buffers.Binary;
using System.Text;
using Chronik.Protocol.Compression;
using Chronik.Protocol.Records;
using Xunit;

namespace Chronik.Protocol.Tests.Records;

public class RecordBatchTests
{
    public static TheoryData<CompressionType> Codecs => new()
    {
        CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd,
    };

    internal static byte[] BuildBatch(CompressionType type, int count = 10, long producerId = -1, int baseSequence = -1)
    {
        using var b = new RecordBatchBuilder(type) { ProducerId = producerId, ProducerEpoch = (short)(producerId >= 0 ? 3 : -1), BaseSequence = baseSequence };
        for (int i = 0; i < count; i++)
        {
            RecordHeader[] headers = i % 2 == 0 ? [new("h", Encoding.UTF8.GetBytes($"hv-{i}")), new("n", null)] : [];
            b.Append(1_700_000_000_000 + i, Encoding.UTF8.GetBytes($"key-{i}"), Encoding.UTF8.GetBytes($"value-{i}"), headers);
        }
        return b.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Builds_and_reads_back_every_codec(CompressionType type)
    {
        var bytes = BuildBatch(type, producerId: 7, baseSequence: 100);
        Assert.Equal(RecordValidationResult.Valid, RecordBatchValidator.Validate(bytes, out var s));
        Assert.Equal(1, s.BatchCount);
        Assert.Equal(10, s.RecordCount);
        Assert.Equal(10, s.OffsetCount);
        Assert.Equal(9, s.LastOffsetDelta);
        Assert.Equal(1_700_000_000_009, s.MaxTimestamp);
        Assert.Equal(7, s.ProducerId);
        Assert.Equal(3, s.ProducerEpoch);
        Assert.Equal(100, s.BaseSequence);
        Assert.Equal(109, s.LastSequence);
        Assert.Equal(type, s.Compression);
        Assert.Equal(bytes.Length, s.TotalBytes);

        using var batch = DecodedRecordBatch.Open(bytes);
        Assert.Equal(type, batch.Header.Compression);
        int i = 0;
        foreach (var r in batch)
        {
            Assert.Equal(i, r.OffsetDelta);
            Assert.Equal(1_700_000_000_000 + i, r.Timestamp(batch.Header));
            Assert.Equal($"key-{i}", Encoding.UTF8.GetString(r.Key));
            Assert.Equal($"value-{i}", Encoding.UTF8.GetString(r.Value));
            Assert.False(r.KeyIsNull);
            Assert.Equal(i % 2 == 0 ? 2 : 0, r.HeaderCount);
            int h = 0;
            foreach (var header in r.Headers)
            {
                if (h == 0)
                {
                    Assert.Equal("h", header.KeyString);
                    Assert.Equal($"hv-{i}", Encoding.UTF8.GetString(header.Value));
                }
                else
                {
                    Assert.Equal("n", header.KeyString);
                    Assert.True(header.ValueIsNull);
                }
                h++;
            }
            Assert.Equal(r.HeaderCount, h);
            i++;
        }
        Assert.Equal(10, i);
    }

    [Fact]
    public void Null_key_and_tombstone_round_trip()
    {
        using var b = new RecordBatchBuilder();
        b.Append(5, key: null, value: (ReadOnlyMemory<byte>?)null);
        b.Append(6, key: "k"u8.ToArray(), value: ReadOnlyMemory<byte>.Empty);
        var bytes = b.ToArray();
        using var batch = DecodedRecordBatch.Open(bytes);
        var reader = batch.GetEnumerator();
        Assert.True(reader.MoveNext());
        Assert.True(reader.Current.KeyIsNull);
        Assert.True(reader.Current.ValueIsNull);
        Assert.True(reader.MoveNext());
        Assert.False(reader.Current.ValueIsNull);
        Assert.Equal(0, reader.Current.Value.Length);
        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void Crc_detects_every_flipped_byte_after_the_crc()
    {
        var bytes = BuildBatch(CompressionType.None, count: 3);
        for (int i = RecordBatchHeader.AttributesOffset; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(copy, out _));
        }
        var crcFlip = (byte[])bytes.Clone();
        crcFlip[RecordBatchHeader.CrcOffset] ^= 0x80;
        Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(crcFlip, out _));
    }

    [Fact]
    public void Base_offset_and_leader_epoch_are_outside_the_crc()
    {
        var bytes = BuildBatch(CompressionType.Lz4);
        RecordBatchHeader.SetBaseOffset(bytes, 12345);
        RecordBatchHeader.SetPartitionLeaderEpoch(bytes, 9);
        Assert.Equal(RecordValidationResult.Valid, RecordBatchValidator.Validate(bytes, out _));
        Assert.Equal(12345, RecordBatchHeader.Read(bytes).BaseOffset);
    }

    [Fact]
    public void Truncated_and_trailing_partial_batches_are_corrupt()
    {
        var one = BuildBatch(CompressionType.None, count: 2);
        Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(one.AsSpan(0, one.Length - 1), out _));
        Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(one.AsSpan(0, 30), out _));
        Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(one.AsSpan(0, 10), out _));
        byte[] two = [.. one, .. one.AsSpan(0, 40)];
        Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(two, out var s));
        Assert.Equal(1, s.BatchCount);
        Assert.Equal(one.Length, s.ErrorPosition);

        var shortLength = (byte[])one.Clone();
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(RecordBatchHeader.BatchLengthOffset), 48);
        Assert.Equal(RecordValidationResult.CorruptMessage, RecordBatchValidator.Validate(shortLength, out _));
    }

    [Fact]
    public void Wrong_magic_is_unsupported()
    {
        var bytes = BuildBatch(CompressionType.None, count: 1);
        bytes[RecordBatchHeader.MagicOffset] = 1;
        Assert.Equal(RecordValidationResult.UnsupportedMagic, RecordBatchValidator.Validate(bytes, out _));
    }

    [Fact]
    public void Semantic_errors_are_invalid_record()
    {
        static byte[] Patch(byte[] src, Action<byte[]> edit)
        {
            var b = (byte[])src.Clone();
            edit(b);
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(b));
            return b;
        }
        var good = BuildBatch(CompressionType.None, count: 3);
        var badDelta = Patch(good, b => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), 5));
        Assert.Equal(RecordValidationResult.InvalidRecord, RecordBatchValidator.Validate(badDelta, out _));
        // A compacted batch in a log may span more offsets than it has records.
        Assert.Equal(RecordValidationResult.Valid, RecordBatchValidator.Validate(badDelta, out var s, RecordValidationMode.Log));
        Assert.Equal(6, s.OffsetCount);

        var negative = Patch(good, b => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(RecordBatchHeader.RecordCountOffset), -1));
        Assert.Equal(RecordValidationResult.InvalidRecord, RecordBatchValidator.Validate(negative, out _, RecordValidationMode.Log));

        var badCodec = Patch(good, b => b[RecordBatchHeader.AttributesOffset + 1] |= 0x07);
        Assert.Equal(RecordValidationResult.InvalidRecord, RecordBatchValidator.Validate(badCodec, out _));

        var idempotentNoSeq = BuildBatch(CompressionType.None, count: 1, producerId: 5, baseSequence: -1);
        Assert.Equal(RecordValidationResult.InvalidRecord, RecordBatchValidator.Validate(idempotentNoSeq, out _));
    }

    [Fact]
    public void Enumerator_walks_concatenated_batches_and_stops_at_a_partial_one()
    {
        var a = BuildBatch(CompressionType.None, count: 2);
        var b = BuildBatch(CompressionType.Zstd, count: 5);
        byte[] buffer = [.. a, .. b, .. a.AsSpan(0, 20)];
        var e = new RecordBatchEnumerator(buffer);
        Assert.True(e.MoveNext());
        var (pos0, h0) = e.Current;
        Assert.Equal(0, pos0);
        Assert.Equal(2, h0.RecordCount);
        Assert.True(e.MoveNext());
        Assert.Equal(a.Length, e.Current.Position);
        Assert.Equal(CompressionType.Zstd, e.Current.Header.Compression);
        Assert.Equal(b.Length, e.Current.Bytes.Length);
        Assert.False(e.MoveNext());
        Assert.Equal(20, e.RemainingBytes);
    }

    [Fact]
    public void Records_with_bad_lengths_throw_corrupt_record()
    {
        var bytes = BuildBatch(CompressionType.None, count: 2);
        var records = bytes.AsSpan(RecordBatchHeader.Size).ToArray();
        Assert.Throws<CorruptRecordException>(() => Drain(records, 3));
        Assert.Throws<CorruptRecordException>(() => Drain(records, 1));
        records[0] = 0x7E; // record length far beyond the section
        Assert.Throws<CorruptRecordException>(() => Drain(records, 2));
    }

    private static int Drain(byte[] records, int count)
    {
        int n = 0;
        foreach (var r in new RecordReader(records, count)) n += r.SizeInBytes > 0 ? 1 : 0;
        return n;
    }

    [Fact]
    public void Decoding_a_compressed_bomb_is_bounded()
    {
        using var b = new RecordBatchBuilder(CompressionType.Zstd);
        b.Append(0, ReadOnlySpan<byte>.Empty, new byte[1_000_000]);
        var bytes = b.ToArray();
        Assert.True(bytes.Length < 2000);
        Assert.Throws<CompressionException>(() => { using var d = DecodedRecordBatch.Open(bytes, maxDecompressedSize: 100_000); });
    }

    [Fact]
    public void Truncated_gzip_records_section_fails_the_record_count()
    {
        var bytes = BuildBatch(CompressionType.Gzip, count: 50);
        int cut = RecordBatchHeader.Size + (bytes.Length - RecordBatchHeader.Size) / 2;
        var truncated = bytes.AsSpan(0, cut).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(truncated.AsSpan(RecordBatchHeader.BatchLengthOffset), cut - RecordBatchHeader.LogOverhead);
        Assert.ThrowsAny<Exception>(() =>
        {
            using var batch = DecodedRecordBatch.Open(truncated);
            foreach (var r in batch) _ = r.OffsetDelta;
        });
    }
}
