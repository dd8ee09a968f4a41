using System.Buffers.Binary;

namespace Chronik.Protocol.Tests.Fuzz;

/// <summary>Seeded mutations of valid encodings: bit flips, boundary integers over fixed-width and varint fields, inserted, removed and repeated bytes, truncation.</summary>
internal sealed class FuzzMutator
{
    // Values that sit on the edges decoders check: null markers, sign bits, the largest lengths.
    private static readonly long[] s_interesting =
        [-1, -2, 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, long.MaxValue, long.MinValue];

    // Varints a decoder must bound: the largest 5-byte values, an overlong 5th byte, an unterminated run, -1 zig-zagged.
    private static readonly byte[][] s_varints =
    [
        [0x00], [0x01], [0x7f], [0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0x07], [0xff, 0xff, 0xff, 0xff, 0x0f],
        [0x80, 0x80, 0x80, 0x80, 0x08], [0xff, 0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0xfe, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80],
    ];

    private readonly Random _rnd;

    public FuzzMutator(int seed) => _rnd = new Random(seed);

    public Random Random => _rnd;

    /// <summary>One to four mutations of a copy of <paramref name="input"/>.</summary>
    public byte[] Mutate(byte[] input)
    {
        var data = new List<byte>(input);
        int rounds = 1 + _rnd.Next(4);
        for (int i = 0; i < rounds; i++) MutateOnce(data);
        return [.. data];
    }

    /// <summary>Writes a boundary value over the big-endian field of <paramref name="width"/> bytes at <paramref name="offset"/>, when it fits.</summary>
    public void OverwriteField(byte[] data, int offset, int width)
    {
        if (offset + width > data.Length) return;
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, _rnd.Next(4) == 0 ? _rnd.NextInt64() : s_interesting[_rnd.Next(s_interesting.Length)]);
        b[(8 - width)..].CopyTo(data.AsSpan(offset));
    }

    /// <summary>
    /// A count or length written somewhere in the input, followed by a few KiB of one repeated byte: lets a decoder
    /// build thousands of minimal elements, so allocation per input byte shows.
    /// </summary>
    public byte[] Amplify(byte[] input)
    {
        int at = _rnd.Next(input.Length + 1);
        int count = 1 << _rnd.Next(8, 13);
        byte fill = (byte)(_rnd.Next(3) switch { 0 => 0x00, 1 => 0x01, _ => _rnd.Next(256) });
        Span<byte> prefix = stackalloc byte[5];
        int prefixLength;
        switch (_rnd.Next(3))
        {
            case 0: prefixLength = 2; BinaryPrimitives.WriteInt16BigEndian(prefix, (short)count); break;
            case 1: prefixLength = 4; BinaryPrimitives.WriteInt32BigEndian(prefix, count); break;
            default:
                prefixLength = 0;
                for (uint v = (uint)count + 1; ; v >>= 7)
                {
                    prefix[prefixLength++] = (byte)(v < 0x80 ? v : (v & 0x7f) | 0x80);
                    if (v < 0x80) break;
                }
                break;
        }
        var data = new byte[at + prefixLength + 4096 + (input.Length - at)];
        input.AsSpan(0, at).CopyTo(data);
        prefix[..prefixLength].CopyTo(data.AsSpan(at));
        data.AsSpan(at + prefixLength, 4096).Fill(fill);
        input.AsSpan(at).CopyTo(data.AsSpan(at + prefixLength + 4096));
        return data;
    }

    public byte[] RandomBytes(int maxLength)
    {
        var b = new byte[_rnd.Next(maxLength + 1)];
        _rnd.NextBytes(b);
        return b;
    }

    private void MutateOnce(List<byte> data)
    {
        switch (_rnd.Next(8))
        {
            case 0:
                if (data.Count > 0) data[_rnd.Next(data.Count)] ^= (byte)(1 << _rnd.Next(8));
                break;
            case 1:
                if (data.Count > 0) data[_rnd.Next(data.Count)] = (byte)_rnd.Next(256);
                break;
            case 2:
                OverwriteInteger(data);
                break;
            case 3:
                var v = s_varints[_rnd.Next(s_varints.Length)];
                int at = _rnd.Next(data.Count + 1);
                if (_rnd.Next(2) == 0) data.InsertRange(at, v);
                else Overwrite(data, at, v);
                break;
            case 4:
                var extra = new byte[1 + _rnd.Next(8)];
                _rnd.NextBytes(extra);
                data.InsertRange(_rnd.Next(data.Count + 1), extra);
                break;
            case 5:
                if (data.Count > 0)
                {
                    int start = _rnd.Next(data.Count);
                    data.RemoveRange(start, Math.Min(data.Count - start, 1 + _rnd.Next(8)));
                }
                break;
            case 6:
                if (data.Count > 0)
                {
                    int cut = _rnd.Next(data.Count);
                    data.RemoveRange(cut, data.Count - cut);
                }
                break;
            default:
                if (data.Count > 0)
                {
                    int start = _rnd.Next(data.Count);
                    int len = Math.Min(data.Count - start, 1 + _rnd.Next(16));
                    data.InsertRange(_rnd.Next(data.Count + 1), data.GetRange(start, len));
                }
                break;
        }
    }

    private void OverwriteInteger(List<byte> data)
    {
        long value = s_interesting[_rnd.Next(s_interesting.Length)];
        int width = 1 << _rnd.Next(4);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        // Big-endian: the low `width` bytes of the value carry its meaning at that width.
        Overwrite(data, data.Count == 0 ? 0 : _rnd.Next(data.Count), b[(8 - width)..]);
    }

    private static void Overwrite(List<byte> data, int at, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (at + i < data.Count) data[at + i] = bytes[i];
            else data.Add(bytes[i]);
        }
    }
}
