using System.Collections.Concurrent;

namespace Chronik.Server.Metrics;

/// <summary>Finds the series for a tag set without allocating once it exists; caps the number of series per instrument.</summary>
internal sealed class SeriesTable<TSeries>(Func<TSeries> create, int maxSeries) where TSeries : class
{
    private static readonly KeyValuePair<string, object?>[] s_overflowTags = [new("overflow", "true")];

    private readonly ConcurrentDictionary<int, Entry[]> _byHash = new();
    private readonly Lock _gate = new();
    private volatile TSeries? _untagged;
    private volatile Entry? _overflow;
    private int _count;

    public TSeries Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty && _untagged is { } untagged)
        {
            return untagged;
        }
        int hash = TagSet.ComputeHash(tags);
        if (_byHash.TryGetValue(hash, out Entry[]? candidates))
        {
            foreach (Entry entry in candidates)
            {
                if (entry.Tags.Matches(tags))
                {
                    return entry.Series;
                }
            }
        }
        return Add(tags, hash);
    }

    public IEnumerable<Entry> Snapshot()
    {
        IEnumerable<Entry> all = _byHash.Values.SelectMany(entries => entries);
        return _overflow is { } overflow ? all.Append(overflow) : all;
    }

    private TSeries Add(ReadOnlySpan<KeyValuePair<string, object?>> tags, int hash)
    {
        lock (_gate)
        {
            Entry[] existing = _byHash.GetValueOrDefault(hash) ?? [];
            foreach (Entry candidate in existing)
            {
                if (candidate.Tags.Matches(tags))
                {
                    return candidate.Series;
                }
            }
            if (_count >= maxSeries)
            {
                _overflow ??= new Entry(new TagSet(s_overflowTags, TagSet.ComputeHash(s_overflowTags)), create());
                return _overflow.Series;
            }
            var entry = new Entry(new TagSet(tags, hash), create());
            _byHash[hash] = [.. existing, entry];
            _count++;
            if (tags.IsEmpty)
            {
                _untagged = entry.Series;
            }
            return entry.Series;
        }
    }

    /// <summary>A series and the tags that identify it.</summary>
    internal sealed record Entry(TagSet Tags, TSeries Series);
}
