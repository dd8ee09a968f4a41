using System.Globalization;
using Chronik.Coordination.Configs.Catalog;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Configuration;

/// <summary>Parsers for setting values; each throws <see cref="ConfigValueException"/> naming what it expected.</summary>
public static class ConfigValues
{
    public static int Int(string value, int min, int max = int.MaxValue) => checked((int)Long(value, min, max));

    public static short Short(string value, short min, short max = short.MaxValue) => checked((short)Long(value, min, max));

    /// <summary>An INT within <paramref name="key"/>'s catalog bounds.</summary>
    public static int Int(string value, ConfigKey key) => checked((int)Long(value, Bound(key.Min, int.MinValue), Bound(key.Max, int.MaxValue)));

    /// <summary>A SHORT within <paramref name="key"/>'s catalog bounds.</summary>
    public static short Short(string value, ConfigKey key) => checked((short)Long(value, Bound(key.Min, short.MinValue), Bound(key.Max, short.MaxValue)));

    /// <summary>A LONG within <paramref name="key"/>'s catalog bounds.</summary>
    public static long Long(string value, ConfigKey key) => Long(value, Bound(key.Min, long.MinValue), Bound(key.Max, long.MaxValue));

    /// <summary>A count of units (at least <paramref name="key"/>'s lower bound) in milliseconds; -1 stays -1.</summary>
    public static long ScaledMs(string value, ConfigKey key, long unitMs) => ScaledMs(value, Bound(key.Min, long.MinValue), unitMs);

    private static long Bound(double? bound, long fallback) => bound is { } b ? checked((long)b) : fallback;

    public static long Long(string value, long min, long max = long.MaxValue)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed)
            || parsed < min || parsed > max)
        {
            throw new ConfigValueException(max == long.MaxValue
                ? $"an integer >= {min}"
                : $"an integer between {min} and {max}");
        }
        return parsed;
    }

    /// <summary>Multiplies a count of units into milliseconds, keeping Kafka's -1 ("unlimited") as -1.</summary>
    public static long ScaledMs(string value, long min, long unitMs)
    {
        long parsed = Long(value, min, long.MaxValue / unitMs);
        return parsed < 0 ? -1 : parsed * unitMs;
    }

    public static int Port(string value) => Int(value, 1, 65535);

    public static bool Bool(string value) => value.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new ConfigValueException("true or false"),
    };

    public static string NonEmpty(string value) =>
        value.Length > 0 ? value : throw new ConfigValueException("a non-empty value");

    public static string TimestampType(string value) => value.ToLowerInvariant() switch
    {
        "createtime" => "CreateTime",
        "logappendtime" => "LogAppendTime",
        _ => throw new ConfigValueException("CreateTime or LogAppendTime"),
    };

    public static LogLevel Level(string value) => value.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "warning" or "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ConfigValueException("one of trace, debug, information, warning, error"),
    };

    /// <summary>The first non-empty entry of a comma-separated directory list (log.dirs).</summary>
    public static string FirstDirectory(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            ? first
            : throw new ConfigValueException("a comma-separated list of directories");
}
