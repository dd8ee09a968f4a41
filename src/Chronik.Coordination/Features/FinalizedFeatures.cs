using System.Text.Json;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;

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
/// The cluster's finalized features (KIP-584): levels and epoch, persisted atomically in
/// &lt;data-dir&gt;/__cluster_metadata/features.json (written at first start, so a later release with other defaults
/// never changes a cluster's levels by itself). <see cref="Update"/> applies Kafka 4.0's controller rules
/// (FeatureControlManager.updateFeature) atomically: the first failing update fails the request and nothing changes;
/// the epoch grows by one for each applied request. Reads are lock-free (<see cref="Current"/> is replaced whole).
/// </summary>
public sealed class FinalizedFeatures
{
    private readonly object _lock = new();
    private readonly string? _file;
    private readonly int _nodeId;
    private volatile FinalizedFeatureSet _current;

    public FinalizedFeatures(string? dataDir, int nodeId = 1)
    {
        _nodeId = nodeId;
        _current = new FinalizedFeatureSet(FeatureCatalog.Defaults(), 0);
        if (dataDir is null) return;
        string dir = Path.Combine(dataDir, "__cluster_metadata");
        Directory.CreateDirectory(dir);
        _file = Path.Combine(dir, "features.json");
        if (File.Exists(_file)) _current = Load(_file);
        else Save(_current);
    }

    /// <summary>The finalized features now.</summary>
    public FinalizedFeatureSet Current => _current;

    /// <summary>Whether consumer groups (KIP-848) are served: group.version at least 1.</summary>
    public bool ConsumerGroupsEnabled => _current.LevelOf(FeatureCatalog.GroupVersion) >= 1;

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
            var updated = new FinalizedFeatureSet(next, current.Epoch + 1);
            Save(updated);
            _current = updated;
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

    private sealed record Persisted(Dictionary<string, short> Levels, long Epoch);

    private static FinalizedFeatureSet Load(string file)
    {
        var p = JsonSerializer.Deserialize<Persisted>(File.ReadAllText(file))
            ?? throw new InvalidDataException($"{file}: empty finalized features");
        var levels = new Dictionary<string, short>(StringComparer.Ordinal);
        foreach (var (name, level) in p.Levels ?? [])
        {
            if (level > 0) levels[name] = level;
        }
        return new FinalizedFeatureSet(levels, p.Epoch);
    }

    private void Save(FinalizedFeatureSet set)
    {
        if (_file is null) return;
        var levels = new Dictionary<string, short>(set.Levels, StringComparer.Ordinal);
        AtomicFile.Write(_file, JsonSerializer.SerializeToUtf8Bytes(new Persisted(levels, set.Epoch)));
    }
}
