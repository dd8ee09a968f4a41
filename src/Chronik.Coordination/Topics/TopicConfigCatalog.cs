using System.Globalization;
using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Coordination.Topics;

/// <summary>A topic config Kafka documents and we act on: its type, the broker key it falls back to, and how it is checked.</summary>
public sealed record TopicConfigDef(string Name, string Type, string? BrokerSynonym, string Documentation, Func<string, bool> IsValid);

/// <summary>The topic-level configs this broker knows, with validation and the mapping to <see cref="LogConfig"/>.</summary>
public static class TopicConfigCatalog
{
    private static bool Long(string v) => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
    private static bool NonNegLong(string v) => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) && x >= 0;
    private static bool RetentionLong(string v) => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) && x >= -1;
    private static bool PosInt(string v) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) && x > 0;
    private static bool Double01(string v) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= 0 && x <= 1;
    private static bool Bool(string v) => v is "true" or "false";
    private static bool OneOf(string v, params string[] allowed) => allowed.Contains(v, StringComparer.Ordinal);

    public static IReadOnlyList<TopicConfigDef> All { get; } =
    [
        new("cleanup.policy", "LIST", "log.cleanup.policy", "Retention policy: delete, compact, or both.",
            v => v.Split(',', StringSplitOptions.TrimEntries).All(p => p is "delete" or "compact")),
        new("compression.type", "STRING", "compression.type", "Final compression type for the topic.",
            v => OneOf(v, "producer", "uncompressed", "gzip", "snappy", "lz4", "zstd")),
        new("delete.retention.ms", "LONG", "log.cleaner.delete.retention.ms", "How long tombstones are kept on compacted topics.", NonNegLong),
        new("file.delete.delay.ms", "LONG", "log.segment.delete.delay.ms", "Delay before a deleted segment file is removed.", NonNegLong),
        new("flush.messages", "LONG", "log.flush.interval.messages", "Fsync after this many messages; unset means fsync before every acknowledgement.", v => long.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 1),
        new("flush.ms", "LONG", "log.flush.interval.ms", "Fsync at least this often; unset means fsync before every acknowledgement.", NonNegLong),
        new("index.interval.bytes", "INT", "log.index.interval.bytes", "Bytes between offset index entries.", v => int.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 0),
        new("max.compaction.lag.ms", "LONG", "log.cleaner.max.compaction.lag.ms", "Maximum time a message stays uncompacted.", v => long.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 1),
        new("max.message.bytes", "INT", "message.max.bytes", "Largest record batch size allowed.", v => int.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 0),
        new("message.timestamp.after.max.ms", "LONG", "log.message.timestamp.after.max.ms", "Largest allowed timestamp lead over the broker clock.", NonNegLong),
        new("message.timestamp.before.max.ms", "LONG", "log.message.timestamp.before.max.ms", "Largest allowed timestamp lag behind the broker clock.", NonNegLong),
        new("message.timestamp.type", "STRING", "log.message.timestamp.type", "CreateTime or LogAppendTime.", v => OneOf(v, "CreateTime", "LogAppendTime")),
        new("min.cleanable.dirty.ratio", "DOUBLE", "log.cleaner.min.cleanable.ratio", "Dirty ratio that triggers compaction.", Double01),
        new("min.compaction.lag.ms", "LONG", "log.cleaner.min.compaction.lag.ms", "Minimum time a message stays uncompacted.", NonNegLong),
        new("min.insync.replicas", "INT", "min.insync.replicas", "Replicas that must acknowledge acks=all writes.", PosInt),
        new("preallocate", "BOOLEAN", "log.preallocate", "Preallocate segment files.", Bool),
        new("retention.bytes", "LONG", "log.retention.bytes", "Largest partition size before old segments are deleted; -1 is unlimited.", RetentionLong),
        new("retention.ms", "LONG", "log.retention.ms", "Longest time a segment is kept; -1 is forever.", RetentionLong),
        new("segment.bytes", "INT", "log.segment.bytes", "Segment file size.", v => int.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 14),
        new("segment.index.bytes", "INT", "log.index.size.max.bytes", "Offset index size.", v => int.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 4),
        new("segment.jitter.ms", "LONG", "log.roll.jitter.ms", "Random jitter subtracted from segment.ms.", NonNegLong),
        new("segment.ms", "LONG", "log.roll.ms", "Time after which a segment is rolled.", v => long.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= 1),
        new("unclean.leader.election.enable", "BOOLEAN", "unclean.leader.election.enable", "Meaningless on one node; accepted.", Bool),
        new("message.downconversion.enable", "BOOLEAN", "log.message.downconversion.enable", "Accepted for compatibility.", Bool),
        new("local.retention.ms", "LONG", "log.local.retention.ms", "Tiered storage is not supported; accepted.", v => long.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= -2),
        new("local.retention.bytes", "LONG", "log.local.retention.bytes", "Tiered storage is not supported; accepted.", v => long.TryParse(v, CultureInfo.InvariantCulture, out var x) && x >= -2),
        new("remote.storage.enable", "BOOLEAN", null, "Tiered storage is not supported.", v => v == "false"),
    ];

    private static readonly Dictionary<string, TopicConfigDef> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static TopicConfigDef? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>Null when valid, else why (for INVALID_CONFIG's message).</summary>
    public static string? Validate(string name, string? value)
    {
        var def = Find(name);
        if (def is null) return $"Unknown topic config name: {name}";
        if (value is null) return $"Null value not supported for topic config {name}";
        return def.IsValid(value.Trim()) ? null : $"Invalid value {value} for configuration {name}: {Expectation(def)}";
    }

    /// <summary>What a valid value of <paramref name="def"/> looks like, for error messages.</summary>
    public static string Expectation(TopicConfigDef def) => def.Name switch
    {
        "cleanup.policy" => "must be a non-empty list of delete and/or compact",
        "compression.type" => "must be one of producer, uncompressed, gzip, snappy, lz4, zstd",
        "message.timestamp.type" => "must be CreateTime or LogAppendTime",
        "retention.ms" or "retention.bytes" => "must be a LONG of at least -1 (-1 means unlimited)",
        "segment.bytes" => "must be an INT of at least 14",
        "remote.storage.enable" => "tiered storage is not supported; only false is allowed",
        "min.cleanable.dirty.ratio" => "must be a DOUBLE between 0 and 1",
        _ => def.Type switch
        {
            "BOOLEAN" => "must be true or false",
            "INT" => "not a valid INT in range",
            "LONG" => "not a valid LONG in range",
            _ => "not a valid value",
        },
    };

    /// <summary>
    /// The broker keys a topic config falls back to, in Kafka's precedence order (log.retention.ms before
    /// log.retention.minutes before log.retention.hours), each with the factor that turns it into the topic's unit.
    /// </summary>
    public static IReadOnlyList<(string Key, long Factor)> BrokerSynonymsOf(TopicConfigDef def) => def.Name switch
    {
        "retention.ms" => [("log.retention.ms", 1), ("log.retention.minutes", 60_000), ("log.retention.hours", 3_600_000)],
        "segment.ms" => [("log.roll.ms", 1), ("log.roll.hours", 3_600_000)],
        "segment.jitter.ms" => [("log.roll.jitter.ms", 1), ("log.roll.jitter.hours", 3_600_000)],
        _ => def.BrokerSynonym is null ? [] : [(def.BrokerSynonym, 1)],
    };

    private static readonly Dictionary<string, (TopicConfigDef Def, long Factor)> ByBrokerKey = All
        .SelectMany(d => BrokerSynonymsOf(d).Select(s => (s.Key, Value: (d, s.Factor))))
        .ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);

    /// <summary>The topic config a broker key is the default of (log.retention.hours → retention.ms), with its unit factor.</summary>
    public static (TopicConfigDef Def, long Factor)? FindByBrokerKey(string brokerKey) =>
        ByBrokerKey.TryGetValue(brokerKey, out var x) ? x : null;

    /// <summary>A broker key's value in the topic config's unit (hours to ms); null when it is not a number where one is needed.</summary>
    public static string? ToTopicValue(string value, long factor)
    {
        if (factor == 1) return value.Trim();
        if (!long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var x)) return null;
        if (x < 0) return "-1";
        return (x > long.MaxValue / factor ? long.MaxValue : x * factor).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Null when <paramref name="value"/> is valid for the broker key <paramref name="brokerKey"/>, else why.</summary>
    public static string? ValidateBrokerDefault(string brokerKey, string? value)
    {
        if (FindByBrokerKey(brokerKey) is not { } x) return $"Unknown broker config name: {brokerKey}";
        if (value is null) return $"Null value not supported for broker config {brokerKey}";
        string? converted = ToTopicValue(value, x.Factor);
        return converted is not null && x.Def.IsValid(converted)
            ? null
            : $"Invalid value {value} for configuration {brokerKey}: {(x.Factor == 1 ? Expectation(x.Def) : "not a valid LONG in range")}";
    }

    /// <summary>Turns the effective topic configs into the storage layer's settings.</summary>
    public static LogConfig ToLogConfig(Func<string, string?> effective)
    {
        long L(string k, long d) => effective(k) is { } v && long.TryParse(v, CultureInfo.InvariantCulture, out var x) ? x : d;
        var d = LogConfig.Default;
        return new LogConfig
        {
            SegmentBytes = (int)Math.Clamp(L("segment.bytes", d.SegmentBytes), 14, int.MaxValue),
            SegmentMs = L("segment.ms", d.SegmentMs),
            RetentionMs = L("retention.ms", d.RetentionMs),
            RetentionBytes = L("retention.bytes", d.RetentionBytes),
            IndexIntervalBytes = (int)L("index.interval.bytes", d.IndexIntervalBytes),
            FlushIntervalMessages = L("flush.messages", d.FlushIntervalMessages),
            FlushIntervalMs = L("flush.ms", d.FlushIntervalMs),
            MaxMessageBytes = (int)L("max.message.bytes", d.MaxMessageBytes),
            MessageTimestampType = effective("message.timestamp.type") == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime,
        };
    }
}
