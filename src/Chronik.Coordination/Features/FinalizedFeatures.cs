using System.Text.Json;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Features;

/// <summary>UpdateFeatures' upgrade types (FeatureUpdate.UpgradeType); v0's allowDowngrade maps to SafeDowngrade.</summary>
public enum FeatureUpgradeType : sbyte
{
    Unknown = 0,
    Upgrade = 1,
    SafeDowngrade = 2,
    UnsafeDowngrade = 3,
}

/// <summary>One requested change: the new level of a feature (0 deletes it) and how it may move.</summary>
public readonly record struct FeatureUpdate(string Feature, short Level, FeatureUpgradeType Type);

/// <summary>The finalized levels (only those above 0) and the epoch that numbers them; immutable.</summary>
public sealed record FinalizedFeatureSet(IReadOnlyDictionary<string, short> Levels, long Epoch)
{
    /// <summary>The finalized level of <paramref name="feature"/>, 0 when it is not finalized.</summary>
    public short LevelOf(string feature) => Levels.TryGetValue(feature, out short l) ? l : (short)0;
}

/// <summary>
/// The cluster's finalized features (KIP-584): levels and epoch on the metadata store, as FeatureLevelRecord (level 0
/// for a feature no longer finalized) plus Chronik's FeatureEpochRecord per applied request, in one batch. The
/// defaults are written at the first start, so a later release with other defaults never changes a cluster's levels
/// by itself; a features.json of the JSON era is imported once instead. <see cref="Update"/> applies Kafka 4.0's controller rules
/// (FeatureControlManager.updateFeature) atomically: the first failing update fails the request and nothing changes;
/// the epoch grows by one for each applied request. Reads are lock-free (<see cref="Current"/> is replaced whole).
/// </summary>
public sealed class FinalizedFeatures : IMetadataParticipant
{
    public const string LegacyFileName = "features.json";

    private readonly object _lock = new();
    private readonly IMetadataStore _store;
    private readonly int _nodeId;
    private volatile FinalizedFeatureSet _current = new(new Dictionary<string, short>(StringComparer.Ordinal), 0);
    private bool _replayedAny;

    /// <param name="store">The metadata store this holder replays from and appends to.</param>
    /// <param name="legacyDataDir">The data directory whose features.json is imported once; null for none.</param>
    public FinalizedFeatures(IMetadataStore store, string? legacyDataDir = null, int nodeId = 1)
    {
        _store = store;
        _nodeId = nodeId;
        store.Register(this);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _replayedAny, ReadLegacy);
        if (!_replayedAny) store.Append(RecordsOf(FeatureCatalog.Defaults(), 0));
    }

    /// <summary>The finalized features now.</summary>
    public FinalizedFeatureSet Current => _current;

    /// <summary>Whether consumer groups (KIP-848) are served: group.version at least 1.</summary>
    public bool ConsumerGroupsEnabled => _current.LevelOf(FeatureCatalog.GroupVersion) >= 1;

    /// <summary>Whether share groups (KIP-932) are served: share.version at least 1.</summary>
    public bool ShareGroupsEnabled => _current.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    /// <summary>
    /// Validates <paramref name="updates"/> in order and, unless <paramref name="validateOnly"/>, applies them together
    /// and persists them before returning. <paramref name="consumerGroupCount"/> is asked only for a safe downgrade of
    /// group.version to 0. Returns None or the first failure (INVALID_UPDATE_VERSION with Kafka's message).
    /// </summary>
    public (ErrorCode Error, string? Message) Update(IReadOnlyList<FeatureUpdate> updates, bool validateOnly, Func<int> consumerGroupCount)
    {
        lock (_lock)
        {
            var current = _current;
            var next = new Dictionary<string, short>(current.Levels, StringComparer.Ordinal);
            foreach (var u in updates)
            {
                var failure = Check(u, current.LevelOf(u.Feature), consumerGroupCount);
                if (failure is not null) return (ErrorCode.InvalidUpdateVersion, failure);
                if (u.Level == 0) next.Remove(u.Feature);
                else next[u.Feature] = u.Level;
            }
            if (validateOnly || updates.Count == 0) return (ErrorCode.None, null);
            var records = new List<MetadataRecord>();
            foreach (var name in current.Levels.Keys.Union(next.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                short level = next.GetValueOrDefault(name);
                if (level != current.LevelOf(name)) records.Add(LevelRecord(name, level));
            }
            records.Add(MetadataRecord.Of(new FeatureEpochRecord { Epoch = current.Epoch + 1 }));
            _store.Append(records);
            return (ErrorCode.None, null);
        }
    }

    private string? Check(FeatureUpdate u, short currentLevel, Func<int> consumerGroupCount)
    {
        if (u.Type is not (FeatureUpgradeType.Upgrade or FeatureUpgradeType.SafeDowngrade or FeatureUpgradeType.UnsafeDowngrade))
        {
            return Invalid(u, "The controller does not support the given upgrade type.");
        }
        if (u.Level < 0) return Invalid(u, "A feature version cannot be less than 0.");
        // A feature this broker does not know is supported at 0 only (Kafka's QuorumFeatures.DISABLED).
        var supported = FeatureCatalog.Find(u.Feature);
        short min = supported?.MinVersion ?? 0, max = supported?.MaxVersion ?? 0;
        if (u.Level < min || u.Level > max)
        {
            return Invalid(u, max == 0
                ? $"Local controller {_nodeId} does not support this feature."
                : $"Local controller {_nodeId} only supports versions {min}-{max}");
        }
        // Kafka 4.0 (Feature.featureFromName) knows its release's features and nothing else, a deletion included.
        if (supported is null) return Invalid(u, $"Feature {u.Feature} not found.");
        if (u.Level < currentLevel && u.Type == FeatureUpgradeType.Upgrade)
        {
            return Invalid(u, "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
        }
        if (u.Level > currentLevel && u.Type != FeatureUpgradeType.Upgrade) return Invalid(u, "Can't downgrade to a newer version.");
        if (u.Feature == FeatureCatalog.MetadataVersion && u.Level < currentLevel && FeatureCatalog.MetadataChangedBetween(currentLevel, u.Level))
        {
            string why = u.Type == FeatureUpgradeType.UnsafeDowngrade
                ? "Unsafe metadata downgrade is not supported in this version."
                : "Refusing to perform the requested downgrade because it might delete metadata information. Retry using UNSAFE_DOWNGRADE if you want to force the downgrade to proceed.";
            return $"Invalid metadata.version {u.Level}. {why}";
        }
        // Not a Kafka check: a safe (lossless) downgrade must not strand the consumer groups already written; with
        // group.version 0 their members are refused. UNSAFE_DOWNGRADE goes ahead, as Kafka does for either type.
        if (u.Feature == FeatureCatalog.GroupVersion && u.Level == 0 && currentLevel >= 1 && u.Type == FeatureUpgradeType.SafeDowngrade
            && consumerGroupCount() is > 0 and int groups)
        {
            return Invalid(u, $"Refusing to perform the requested downgrade because {groups} consumer group(s) use the consumer rebalance protocol (KIP-848) and their members would be refused. Retry using UNSAFE_DOWNGRADE if you want to force the downgrade to proceed.");
        }
        return null;
    }

    private static string Invalid(FeatureUpdate u, string why) => $"Invalid update version {u.Level} for feature {u.Feature}. {why}";

    public bool Owns(short recordType) => recordType is MetadataRecordTypes.FeatureLevelRecord or MetadataRecordTypes.FeatureEpochRecord;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) return;
        _replayedAny = true;
        var current = _current;
        var levels = new Dictionary<string, short>(current.Levels, StringComparer.Ordinal);
        long epoch = current.Epoch;
        foreach (var r in records)
        {
            switch (r.Message)
            {
                case FeatureLevelRecord f when f.FeatureLevel > 0:
                    levels[f.Name] = f.FeatureLevel;
                    break;
                case FeatureLevelRecord f:
                    levels.Remove(f.Name);
                    break;
                case FeatureEpochRecord e:
                    epoch = e.Epoch;
                    break;
            }
        }
        _current = new FinalizedFeatureSet(levels, epoch);
    }

    public IEnumerable<MetadataRecord> SnapshotRecords()
    {
        var current = _current;
        return RecordsOf(current.Levels, current.Epoch);
    }

    private static MetadataRecord LevelRecord(string name, short level) => MetadataRecord.Of(new FeatureLevelRecord { Name = name, FeatureLevel = level });

    private static List<MetadataRecord> RecordsOf(IReadOnlyDictionary<string, short> levels, long epoch)
    {
        var records = levels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => LevelRecord(l.Key, l.Value)).ToList();
        records.Add(MetadataRecord.Of(new FeatureEpochRecord { Epoch = epoch }));
        return records;
    }

    /// <summary>features.json as the JSON era wrote it (read at migration only).</summary>
    private sealed record Persisted(Dictionary<string, short> Levels, long Epoch);

    private static IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var p = JsonSerializer.Deserialize<Persisted>(File.ReadAllText(file))
            ?? throw new InvalidDataException($"{file}: empty finalized features");
        var levels = new Dictionary<string, short>(StringComparer.Ordinal);
        foreach (var (name, level) in p.Levels ?? [])
        {
            if (level > 0) levels[name] = level;
        }
        return RecordsOf(levels, p.Epoch);
    }
}
