using System.Buffers.Binary;
using System.Text;
using Chronik.Protocol.Compression;
using Chronik.Protocol.Records;
using Xunit;

namespace Chronik.Protocol.Tests.Compression;

public class CompressionCodecTests
{
    public static TheoryData<CompressionType> Codecs => new()
    {
        CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd,
    };

    private static byte[] Sample(int size)
    {
        var data = new byte[size];
        var rng = new Random(42);
        for (int i = 0; i < size; i++) data[i] = (byte)(i % 97 < 60 ? 'a' + i % 7 : rng.Next(256));
        return data;
    }

    private static byte[] Compress(CompressionType type, ReadOnlySpan<byte> data)
    {
        using var w = new PooledBufferWriter();
        CompressionCodecs.Compress(type, data, w);
        return w.ToArray();
    }

    private static byte[] Decompress(CompressionType type, ReadOnlySpan<byte> data, int max = CompressionCodecs.DefaultMaxDecompressedSize)
    {
        using var w = new PooledBufferWriter();
        CompressionCodecs.Decompress(type, data, w, max);
        return w.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void RoundTrips_small_and_multi_block_inputs(CompressionType type)
    {
        foreach (int size in new[] { 0, 1, 1000, 70_000, 300_000 })
        {
            var data = Sample(size);
            var packed = Compress(type, data);
            Assert.Equal(data, Decompress(type, packed));
        }
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Rejects_output_above_the_limit(CompressionType type)
    {
        var packed = Compress(type, new byte[200_000]);
        Assert.Throws<CompressionException>(() => Decompress(type, packed, max: 100_000));
        Assert.Equal(200_000, Decompress(type, packed, max: 200_000).Length);
    }

    // Gzip is absent: GZipStream treats truncation as end of data (the batch's record count catches it).
    [Theory]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Rejects_truncated_input(CompressionType type)
    {
        var packed = Compress(type, Sample(50_000));
        Assert.Throws<CompressionException>(() => Decompress(type, packed.AsSpan(0, packed.Length / 2)));
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Rejects_garbage(CompressionType type)
    {
        Assert.Throws<CompressionException>(() => Decompress(type, Encoding.ASCII.GetBytes("this is not compressed at all")));
    }

    [Fact]
    public void Snappy_writes_xerial_framing()
    {
        var packed = Compress(CompressionType.Snappy, Sample(1000));
        Assert.Equal(new byte[] { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0 }, packed[..8]);
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(packed.AsSpan(8)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(packed.AsSpan(12)));
    }

    [Fact]
    public void Snappy_reads_hand_built_xerial_stream_and_raw_block()
    {
        var part1 = Encoding.ASCII.GetBytes("hello hello hello ");
        var part2 = Encoding.ASCII.GetBytes("world world world");
        var b1 = IronSnappy.Snappy.Encode(part1);
        var b2 = IronSnappy.Snappy.Encode(part2);
        var framed = new List<byte> { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1 };
        foreach (var b in new[] { b1, b2 })
        {
            var len = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(len, b.Length);
            framed.AddRange(len);
            framed.AddRange(b);
        }
        Assert.Equal("hello hello hello world world world", Encoding.ASCII.GetString(Decompress(CompressionType.Snappy, framed.ToArray())));
        Assert.Equal(part1, Decompress(CompressionType.Snappy, b1));
    }

    [Fact]
    public void Snappy_rejects_block_declaring_huge_length()
    {
        byte[] bomb = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00];
        Assert.Throws<CompressionException>(() => Decompress(CompressionType.Snappy, bomb, max: 1000));
    }

    [Fact]
    public void Gzip_reads_concatenated_members()
    {
        var a = Compress(CompressionType.Gzip, "abc"u8);
        var b = Compress(CompressionType.Gzip, "def"u8);
        Assert.Equal("abcdef"u8.ToArray(), Decompress(CompressionType.Gzip, [.. a, .. b]));
    }
}
