using System.Diagnostics.CodeAnalysis;

namespace Chronik.Storage.Compaction;

/// <summary>
/// Key → offset of its latest record in the dirty section (Kafka's OffsetMap, but exact: keys are kept, not
/// hashed, so a collision can never drop a live record). Lookups by span allocate nothing.
/// </summary>
internal sealed class KeyOffsetMap
{
    private readonly Dictionary<byte[], long> _map = new(KeyComparer.Instance);

    public int Count => _map.Count;

    public void Put(ReadOnlySpan<byte> key, long offset)
    {
        var lookup = _map.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(key, out long existing))
        {
            if (offset > existing) lookup[key] = offset;
            return;
        }
        _map[key.ToArray()] = offset;
    }

    /// <summary>The latest offset of <paramref name="key"/>, or -1 when the dirty section does not have it.</summary>
    public long Get(ReadOnlySpan<byte> key) =>
        _map.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out long offset) ? offset : -1;

    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode([DisallowNull] byte[] obj) => Hash(obj);
        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }
    }
}
