using Chronik.Coordination.Metadata;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>
/// A participant over FeatureLevelRecord (or other types) that keeps the latest level per name, as a state holder
/// would, and records every batch it was given (its sizes tell replay apart from live batches).
/// </summary>
internal sealed class LevelsParticipant(params short[] types) : IMetadataParticipant
{
    private volatile Dictionary<string, short> _levels = new(StringComparer.Ordinal);

    public List<int> Batches { get; } = [];
    public List<MetadataRecord> Seen { get; } = [];

    public IReadOnlyDictionary<string, short> Levels => _levels;

    public bool Owns(short recordType) => types.Length == 0 ? recordType == MetadataRecordTypes.FeatureLevelRecord : types.Contains(recordType);

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        lock (Batches)
        {
            Batches.Add(records.Count);
            Seen.AddRange(records);
        }
        var next = new Dictionary<string, short>(_levels, StringComparer.Ordinal);
        foreach (var r in records)
        {
            if (r.Message is FeatureLevelRecord f) next[f.Name] = f.FeatureLevel;
        }
        _levels = next;
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() =>
        _levels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => MetadataRecord.Of(new FeatureLevelRecord { Name = kv.Key, FeatureLevel = kv.Value }));

    public static MetadataRecord Level(string name, short level) => MetadataRecord.Of(new FeatureLevelRecord { Name = name, FeatureLevel = level });
}
