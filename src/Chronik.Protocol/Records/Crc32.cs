namespace Chronik.Protocol.Records;

/// <summary>CRC-32 (IEEE 802.3, reflected 0xEDB88320) as legacy messages (magic 0 and 1) use; table-driven, slicing by four.</summary>
public static class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32 over more data (crc is the value returned for the bytes before).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var t = s_table.AsSpan();
        uint c = ~crc;
        int i = 0;
        for (; data.Length - i >= 4; i += 4)
        {
            c ^= (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            c = t[768 + (int)(c & 0xFF)] ^ t[512 + (int)((c >> 8) & 0xFF)] ^ t[256 + (int)((c >> 16) & 0xFF)] ^ t[(int)(c >> 24)];
        }
        for (; i < data.Length; i++) c = t[(int)((c ^ data[i]) & 0xFF)] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[1024];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        for (int n = 0; n < 256; n++)
            for (int s = 1; s < 4; s++)
                t[s * 256 + n] = t[(s - 1) * 256 + n] >> 8 ^ t[(int)(t[(s - 1) * 256 + n] & 0xFF)];
        return t;
    }
}
