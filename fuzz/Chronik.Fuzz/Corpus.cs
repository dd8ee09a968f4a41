using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Chronik.Fuzz;

/// <summary>
/// Client→broker request frames (without their 4-byte size prefix), stored as a sequence of (int32 length, bytes).
/// The recorder appends to a raw file; <see cref="Minimize"/> dedups and caps it into the committed corpus.
/// </summary>
internal static class Corpus
{
    public static List<byte[]> Load(string path)
    {
        var frames = new List<byte[]>();
        var bytes = File.ReadAllBytes(path);
        int pos = 0;
        while (pos + 4 <= bytes.Length)
        {
            int n = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos));
            if (n < 0 || pos + 4 + n > bytes.Length) break; // a recorder killed mid-write leaves a torn tail
            frames.Add(bytes.AsSpan(pos + 4, n).ToArray());
            pos += 4 + n;
        }
        return frames;
    }

    public static void Append(Stream output, ReadOnlySpan<byte> frame)
    {
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(size, frame.Length);
        output.Write(size);
        output.Write(frame);
    }

    /// <summary>
    /// Frames equal but for their correlation id count once; at most <paramref name="perVersion"/> per (api, version),
    /// none above <paramref name="maxFrameBytes"/>, so the committed corpus stays small.
    /// </summary>
    public static List<byte[]> Minimize(IEnumerable<byte[]> frames, int perVersion, int maxFrameBytes)
    {
        var seen = new HashSet<string>();
        var counts = new Dictionary<int, int>();
        var kept = new List<byte[]>();
        foreach (var f in frames)
        {
            if (f.Length < 8 || f.Length > maxFrameBytes) continue;
            var copy = (byte[])f.Clone();
            copy.AsSpan(4, 4).Clear();
            if (!seen.Add(Convert.ToHexString(SHA256.HashData(copy)))) continue;
            int key = BinaryPrimitives.ReadInt32BigEndian(f); // api key and version
            counts.TryGetValue(key, out int c);
            if (c >= perVersion) continue;
            counts[key] = c + 1;
            kept.Add(f);
        }
        return kept;
    }

    public static void Save(string path, IEnumerable<byte[]> frames)
    {
        using var output = File.Create(path);
        foreach (var f in frames) Append(output, f);
    }
}
