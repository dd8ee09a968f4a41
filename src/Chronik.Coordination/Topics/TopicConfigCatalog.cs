using System.Globalization;
using Chronik.Coordination.Configs.Catalog;
using Chronik.Protocol.Records;
using Chronik.Storage;
using T = Chronik.Coordination.Configs.Catalog.TopicConfigKeys;

namespace Chronik.Coordination.Topics;

/// <summary>Topic config validation and the mapping to <see cref="LogConfig"/>, over the keys of <see cref="TopicConfigKeys"/>.</summary>
public static class TopicConfigCatalog
{
    /// <summary>Every topic key (the catalog's).</summary>
    public static IReadOnlyList<ConfigKey> All => T.All;

    public static ConfigKey? Find(string name) => ConfigCatalog.Topic(name);

    /// <summary>Null when valid, else why (for INVALID_CONFIG's message).</summary>
    public static string? Validate(string name, string? value)
    {
        var key = Find(name);
        if (key is null) return $"Unknown topic config name: {name}";
        if (value is null) return $"Null value not supported for topic config {name}";
        return key.Validate(value);
    }

    /// <summary>The topic key a broker key is the default of (log.retention.hours → retention.ms), with its unit factor.</summary>
    public static (ConfigKey Def, long Factor)? FindByBrokerKey(string brokerKey) => ConfigCatalog.TopicOfBrokerKey(brokerKey);

    /// <summary>A broker key's value in the topic config's unit (hours to ms); null when it is not a number where one is needed.</summary>
    public static string? ToTopicValue(string value, long factor)
    {
        if (factor == 1) return value.Trim();
        if (!long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var x)) return null;
        if (x < 0) return "-1";
        return (x > long.MaxValue / factor ? long.MaxValue : x * factor).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Turns the effective topic configs into the storage layer's settings.</summary>
    public static LogConfig ToLogConfig(Func<string, string?> effective)
    {
        long L(ConfigKey k, long d) => effective(k.Name) is { } v && long.TryParse(v, CultureInfo.InvariantCulture, out var x) ? x : d;
        var d = LogConfig.Default;
        return new LogConfig
        {
            SegmentBytes = (int)Math.Clamp(L(T.SegmentBytes, d.SegmentBytes), 14, int.MaxValue),
            SegmentMs = L(T.SegmentMs, d.SegmentMs),
            RetentionMs = L(T.RetentionMs, d.RetentionMs),
            RetentionBytes = L(T.RetentionBytes, d.RetentionBytes),
            IndexIntervalBytes = (int)L(T.IndexIntervalBytes, d.IndexIntervalBytes),
            FlushIntervalMessages = L(T.FlushMessages, d.FlushIntervalMessages),
            FlushIntervalMs = L(T.FlushMs, d.FlushIntervalMs),
            MaxMessageBytes = (int)L(T.MaxMessageBytes, d.MaxMessageBytes),
            MessageTimestampType = effective(T.MessageTimestampType.Name) == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime,
        };
    }
}
