using System.Buffers.Binary;

namespace Chronik.Fuzz;

/// <summary>
/// Mutates a recorded frame (without its size prefix; the sender writes a consistent one): bit flips, interesting
/// integers written over fields, bytes inserted or cut, or chunks duplicated. The header's api key and version are
/// kept most of the time so the mutation reaches the body decoder and handler instead of the first check.
/// </summary>
internal sealed class Mutator(Random random)
{
    private static readonly long[] Interesting =
        [-1, 0, 1, 2, -2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, unchecked((int)0x80000000), 0xffffffff,
         long.MaxValue, long.MinValue, 0x100, 0x10000, 1 << 20];

    public byte[] Mutate(byte[] frame)
    {
        var bytes = new List<byte>(frame);
        int rounds = 1 + random.Next(random.Next(4) == 0 ? 8 : 2);
        for (int i = 0; i < rounds; i++) MutateOnce(bytes);
        return [.. bytes];
    }

    private void MutateOnce(List<byte> b)
    {
        // Body offsets: past api key, version and correlation id, unless the header itself is the target (1 in 16).
        int from = random.Next(16) == 0 ? 0 : Math.Min(8, b.Count);
        int Pos() => from + random.Next(Math.Max(1, b.Count - from));
        switch (random.Next(7))
        {
            case 0: // flip a bit
                if (b.Count > from) { int p = Pos(); b[p] ^= (byte)(1 << random.Next(8)); }
                break;
            case 1: // a random byte
                if (b.Count > from) b[Pos()] = (byte)random.Next(256);
                break;
            case 2: // an interesting integer of 1, 2, 4 or 8 bytes over a field
            {
                int width = 1 << random.Next(4);
                if (b.Count - from < width) break;
                int p = from + random.Next(b.Count - from - width + 1);
                Span<byte> v = stackalloc byte[8];
                BinaryPrimitives.WriteInt64BigEndian(v, Interesting[random.Next(Interesting.Length)]);
                for (int k = 0; k < width; k++) b[p + k] = v[8 - width + k];
                break;
            }
            case 3: // insert random bytes
            {
                int n = 1 + random.Next(random.Next(8) == 0 ? 256 : 8);
                int p = from + random.Next(b.Count - from + 1);
                var ins = new byte[n];
                random.NextBytes(ins);
                b.InsertRange(Math.Min(p, b.Count), ins);
                break;
            }
            case 4: // cut bytes
            {
                if (b.Count <= from) break;
                int p = Pos();
                int n = Math.Min(b.Count - p, 1 + random.Next(random.Next(8) == 0 ? 256 : 8));
                b.RemoveRange(p, n);
                break;
            }
            case 5: // truncate
            {
                if (b.Count <= from) break;
                int p = Pos();
                b.RemoveRange(p, b.Count - p);
                break;
            }
            default: // duplicate a chunk (repeated array elements, repeated tagged fields)
            {
                if (b.Count <= from) break;
                int p = Pos();
                int n = Math.Min(b.Count - p, 1 + random.Next(64));
                b.InsertRange(p, b.GetRange(p, n));
                break;
            }
        }
    }
}
