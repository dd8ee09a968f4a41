using System.Numerics;
using Chronik.Protocol.Records;
using Xunit;

namespace Chronik.Protocol.Tests.Records;

public class Crc32CTests
{
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint c = ~0u;
        foreach (byte b in data) c = BitOperations.Crc32C(c, b);
        return ~c;
    }

    [Fact]
    public void Matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Three_way_blocks_match_the_bytewise_crc_at_every_boundary()
    {
        var data = new byte[3 * 8192 * 2 + 3 * 256 * 3 + 77];
        new Random(5).NextBytes(data);
        foreach (int len in new[] { 0, 1, 7, 8, 767, 768, 769, 3 * 256 * 2 + 5, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 800, data.Length })
            Assert.Equal(Reference(data.AsSpan(0, len)), Crc32C.Compute(data.AsSpan(0, len)));
        Assert.Equal(Reference(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 1000)), data.AsSpan(1000)));
    }
}
