using System.Buffers.Binary;
using System.Text;
using Chronik.Protocol.Compression;
using Chronik.Protocol.Records;
using Xunit;

namespace Chronik.Protocol.Tests.Records;

public class LegacyMessageSetTests
{
    internal static byte[] Message(long offset, byte magic, byte attributes, long timestamp, string? key, byte[]? value)
    {
        var body = new List<byte> { magic, attributes };
        if (magic == 1) body.AddRange(BigEndian(timestamp));
        AddBytes(body, key is null ? null : Encoding.UTF8.GetBytes(key));
        AddBytes(body, value);
        var bodyArray = body.ToArray();
        var m = new List<byte>();
        m.AddRange(BigEndian(offset));
        m.AddRange(BigEndian(4 + bodyArray.Length));
        m.AddRange(BigEndian((int)Crc32.Compute(bodyArray)));
        m.AddRange(bodyArray);
        return m.ToArray();
    }

    private static void AddBytes(List<byte> to, byte[]? b)
    {
        to.AddRange(BigEndian(b is null ? -1 : b.Length));
        if (b is not null) to.AddRange(b);
    }

    private static byte[] BigEndian(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); return b; }
    private static byte[] BigEndian(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); return b; }

    internal static byte[] Compress(CompressionType type, byte[] data)
    {
        using var w = new PooledBufferWriter();
        CompressionCodecs.Compress(type, data, w);
        return w.ToArray();
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        var data = new byte[1001];
        new Random(1).NextBytes(data);
        Assert.Equal(Crc32.Compute(data), Crc32.Append(Crc32.Compute(data.AsSpan(0, 333)), data.AsSpan(333)));
    }

    [Fact]
    public void Reads_magic_0_and_1_messages()
    {
        byte[] set = [.. Message(5, 0, 0, -1, "k0", "v0"u8.ToArray()), .. Message(6, 1, 0, 1234, null, "v1"u8.ToArray()), .. Message(7, 1, 0, 1235, "k2", null)];
        using var reader = new LegacyMessageSetReader(set);
        var r = reader.GetEnumerator();
        Assert.True(r.MoveNext());
        Assert.Equal(5, r.Current.Offset);
        Assert.Equal(0, r.Current.Magic);
        Assert.Equal(-1, r.Current.Timestamp);
        Assert.Equal("k0", Encoding.UTF8.GetString(r.Current.Key));
        Assert.Equal("v0", Encoding.UTF8.GetString(r.Current.Value));
        Assert.True(r.MoveNext());
        Assert.Equal(6, r.Current.Offset);
        Assert.Equal(1234, r.Current.Timestamp);
        Assert.True(r.Current.KeyIsNull);
        Assert.True(r.MoveNext());
        Assert.True(r.Current.ValueIsNull);
        Assert.False(r.MoveNext());
        Assert.Equal(0, r.RemainingBytes);
    }

    [Fact]
    public void Bad_crc_is_corrupt_and_partial_tail_is_left()
    {
        var m = Message(0, 1, 0, 1, "k", "v"u8.ToArray());
        byte[] withTail = [.. m, .. m.AsSpan(0, 10)];
        var r = new LegacyMessageSetReader(withTail);
        Assert.True(r.MoveNext());
        Assert.False(r.MoveNext());
        Assert.Equal(10, r.RemainingBytes);

        m[^1] ^= 1;
        Assert.Throws<CorruptRecordException>(() => { var bad = new LegacyMessageSetReader(m); bad.MoveNext(); });
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    public void Expands_magic_1_compressed_wrapper_with_relative_offsets(CompressionType type)
    {
        byte[] inner = [.. Message(0, 1, 0, 100, "a", "x"u8.ToArray()), .. Message(1, 1, 0, 101, "b", "y"u8.ToArray()), .. Message(2, 1, 0, 102, "c", "z"u8.ToArray())];
        // The wrapper carries the absolute offset of the last inner message.
        var wrapper = Message(52, 1, (byte)type, 102, null, Compress(type, inner));
        byte[] set = [.. Message(49, 1, 0, 99, "p", "q"u8.ToArray()), .. wrapper];
        var offsets = new List<long>();
        var values = new StringBuilder();
        using (var reader = new LegacyMessageSetReader(set))
        {
            foreach (var msg in reader)
            {
                offsets.Add(msg.Offset);
                values.Append(Encoding.UTF8.GetString(msg.Value));
            }
        }
        Assert.Equal([49L, 50, 51, 52], offsets);
        Assert.Equal("qxyz", values.ToString());
    }

    [Fact]
    public void Magic_0_wrapper_keeps_inner_offsets_and_log_append_time_applies_to_inner()
    {
        byte[] inner0 = [.. Message(10, 0, 0, -1, null, "a"u8.ToArray()), .. Message(11, 0, 0, -1, null, "b"u8.ToArray())];
        var r = new List<long>();
        using (var reader = new LegacyMessageSetReader(Message(11, 0, 1, -1, null, Compress(CompressionType.Gzip, inner0))))
            foreach (var m in reader) r.Add(m.Offset);
        Assert.Equal([10L, 11], r);

        byte[] inner1 = [.. Message(0, 1, 0, 5, null, "a"u8.ToArray())];
        using var lat = new LegacyMessageSetReader(Message(3, 1, 1 | 0x08, 999, null, Compress(CompressionType.Gzip, inner1)));
        var e = lat.GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(999, e.Current.Timestamp);
        Assert.Equal(TimestampType.LogAppendTime, e.Current.TimestampType);
        Assert.Equal(3, e.Current.Offset);
    }
}
