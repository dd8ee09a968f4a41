using System.Globalization;

namespace Chronik.Storage.Objects;

/// <summary>
/// Object keys: 1 to 1024 characters of <c>[A-Za-z0-9._=-]</c> in segments joined by '/', no segment empty or starting
/// with '.' (so a key maps onto a path in the file store and needs no escaping in S3). Keys are unique by construction
/// (<see cref="Unique"/>), because s3rver and older S3 have no conditional PUT to refuse a second writer.
/// </summary>
public static class ObjectKey
{
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a valid key.</summary>
    public static void Validate(string key) => Check(key, allowPartial: false, nameof(key));

    /// <summary>A listing prefix: "" or the start of a valid key (it may end inside a segment or with '/').</summary>
    public static void ValidatePrefix(string prefix)
    {
        if (prefix.Length > 0) Check(prefix, allowPartial: true, nameof(prefix));
    }

    /// <summary>
    /// The key of the <paramref name="sequence"/>th object that broker <paramref name="nodeId"/> writes in its
    /// registration <paramref name="epoch"/> (a number it holds alone, e.g. from PostgreSQL): unique across brokers and
    /// restarts, and ordered by (node, epoch, sequence) in a listing.
    /// </summary>
    public static string Unique(string prefix, int nodeId, long epoch, long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        string key = string.Create(CultureInfo.InvariantCulture,
            $"{(prefix.Length == 0 ? "" : prefix.TrimEnd('/') + "/")}{nodeId:D10}/{epoch:D19}-{sequence:D19}.obj");
        Validate(key);
        return key;
    }

    private static void Check(string key, bool allowPartial, string param)
    {
        ArgumentNullException.ThrowIfNull(key, param);
        if (key.Length == 0 || key.Length > MaxLength) throw new ArgumentException($"an object key has 1 to {MaxLength} characters: '{key}'", param);
        int segmentStart = 0;
        for (int i = 0; i <= key.Length; i++)
        {
            if (i == key.Length || key[i] == '/')
            {
                bool last = i == key.Length;
                if (i == segmentStart && !(allowPartial && last)) throw new ArgumentException($"object key '{key}' has an empty segment", param);
                if (i > segmentStart && key[segmentStart] == '.') throw new ArgumentException($"object key '{key}' has a segment starting with '.'", param);
                segmentStart = i + 1;
                continue;
            }
            char c = key[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '=')) throw new ArgumentException($"object key '{key}' has the character '{c}' (allowed: A-Z a-z 0-9 . _ = - /)", param);
        }
    }
}
