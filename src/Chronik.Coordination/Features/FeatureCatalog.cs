namespace Chronik.Coordination.Features;

/// <summary>A feature this broker knows: the levels it really implements and the level a fresh cluster finalizes.</summary>
public sealed record SupportedFeature(string Name, short MinVersion, short MaxVersion, short DefaultLevel);

/// <summary>
/// The finalized features (KIP-584) this broker supports, with the ranges it really implements. Kafka 4.0's own list
/// (BrokerFeatures.defaultSupportedFeatures) plus share.version and streams.version, which Kafka 4.1+ lists: a client
/// that looks for them sees 0..0, not an absent feature. Defaults are what `kafka-storage format` finalizes on Kafka 4.0
/// (each feature's latest production level for metadata.version 4.0-IV3), capped at what is implemented here.
/// </summary>
public static class FeatureCatalog
{
    public const string MetadataVersion = "metadata.version";
    public const string KRaftVersion = "kraft.version";
    public const string TransactionVersion = "transaction.version";
    public const string GroupVersion = "group.version";
    public const string EligibleLeaderReplicasVersion = "eligible.leader.replicas.version";
    public const string ShareVersion = "share.version";
    public const string StreamsVersion = "streams.version";

    /// <summary>metadata.version 3.3-IV3, the oldest Kafka 4.0 accepts (MetadataVersion.MINIMUM_VERSION).</summary>
    public const short MinimumMetadataVersion = 7;

    /// <summary>metadata.version 4.0-IV3, Kafka 4.0's latest production level.</summary>
    public const short LatestMetadataVersion = 25;

    /// <summary>Every supported feature, ordered by name.</summary>
    public static IReadOnlyList<SupportedFeature> All { get; } =
    [
        // Kafka 4.0: 0..1, default 0 (ELR on by default only from 4.1). One node has no replicas to elect: not offered.
        new(EligibleLeaderReplicasVersion, 0, 0, 0),
        // 1 = the consumer rebalance protocol (KIP-848), served by ConsumerGroupHeartbeat/ConsumerGroupDescribe.
        new(GroupVersion, 0, 1, 1),
        // 1 = KIP-853 dynamic controller quorums (voter records, AddRaftVoter...). There is no quorum here: static 0.
        new(KRaftVersion, 0, 0, 0),
        // Metadata versions gate KRaft record formats and inter-broker RPCs; with neither, every level serves the same.
        new(MetadataVersion, MinimumMetadataVersion, LatestMetadataVersion, LatestMetadataVersion),
        // 1 = share groups (KIP-932): ShareGroupHeartbeat/Describe, ShareFetch, ShareAcknowledge and the share group
        // offsets APIs. Not finalized by default (as on Kafka 4.0-4.1), so clients see no share APIs until UpdateFeatures.
        new(ShareVersion, 0, 1, 0),
        new(StreamsVersion, 0, 0, 0),
        // Kafka 4.0 supports 0..2 and finalizes 2 on a new cluster. 2 = transactions v2 (KIP-890 part 2): a Kafka 4.x
        // producer that sees it finalized uses Produce v12 / EndTxn v5 / TxnOffsetCommit v5; the broker decides per
        // request version, so older clients (librdkafka 2.12 sends EndTxn v1) keep transactions v1.
        new(TransactionVersion, 0, 2, 2),
    ];

    /// <summary>The supported range of <paramref name="name"/>, or null for a feature this broker does not know.</summary>
    public static SupportedFeature? Find(string name)
    {
        foreach (var f in All)
        {
            if (f.Name == name) return f;
        }
        return null;
    }

    /// <summary>The levels a fresh cluster finalizes (level 0 means not finalized, and is left out).</summary>
    public static IReadOnlyDictionary<string, short> Defaults()
    {
        var d = new Dictionary<string, short>(StringComparer.Ordinal);
        foreach (var f in All)
        {
            if (f.DefaultLevel > 0) d[f.Name] = f.DefaultLevel;
        }
        return d;
    }

    // Kafka's MetadataVersion.didMetadataChange for levels 7..25 (3.3-IV3 .. 4.0-IV3): a downgrade across a level
    // that changed the metadata records is refused, since it could drop metadata written in the newer format.
    private static readonly bool[] MetadataChanged =
    [
        true, true, false, false, true, false, true, true, true, false, true, false, false, false, false, false, true, false, false,
    ];

    private static readonly string[] MetadataVersionNames =
    [
        "3.3-IV3", "3.4-IV0", "3.5-IV0", "3.5-IV1", "3.5-IV2", "3.6-IV0", "3.6-IV1", "3.6-IV2", "3.7-IV0", "3.7-IV1",
        "3.7-IV2", "3.7-IV3", "3.7-IV4", "3.8-IV0", "3.9-IV0", "4.0-IV0", "4.0-IV1", "4.0-IV2", "4.0-IV3",
    ];

    /// <summary>The release name of a metadata.version level ("4.0-IV3"), or the number for one outside 7..25.</summary>
    public static string MetadataVersionName(short level) =>
        level is >= MinimumMetadataVersion and <= LatestMetadataVersion ? MetadataVersionNames[level - MinimumMetadataVersion] : level.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Kafka's MetadataVersion.checkIfMetadataChanged: whether any level in (low, high] changed the metadata records.
    /// Both levels must be within 7..25.
    /// </summary>
    public static bool MetadataChangedBetween(short a, short b)
    {
        short low = Math.Min(a, b), high = Math.Max(a, b);
        for (int level = high; level > low; level--)
        {
            if (MetadataChanged[level - MinimumMetadataVersion]) return true;
        }
        return false;
    }
}
