using System.Globalization;

namespace Chronik.Coordination.Configs.Catalog;

/// <summary>A broker key a topic or group key defaults from, with the factor that turns its unit into the key's (hours to ms).</summary>
public sealed record ConfigSynonymKey(ConfigKey Key, long Factor = 1);

/// <summary>
/// One config key, defined once (as Kafka's ConfigDef defines it): name, type, Kafka's default, bounds or valid values,
/// documentation, whether it can change at run time and the broker keys it defaults from. Parsing, <c>--help</c>,
/// DescribeConfigs and the Alter*Configs validation all read it.
/// </summary>
public sealed record ConfigKey(string Name, ConfigType Type, string? Default, string Documentation)
{
    /// <summary>Smallest value of a numeric key (inclusive), or null for the type's own range.</summary>
    public double? Min { get; init; }

    /// <summary>Largest value of a numeric key (inclusive), or null for the type's own range.</summary>
    public double? Max { get; init; }

    /// <summary>The values a STRING key (or each item of a LIST key) may take, or null for any.</summary>
    public IReadOnlyList<string>? ValidValues { get; init; }

    /// <summary>A further check on the trimmed value: null when valid, else the reason (after Kafka's "Invalid value ... :").</summary>
    public Func<string, string?>? Check { get; init; }

    /// <summary>True when the key can be changed at run time (DescribeConfigs reports the others read-only).</summary>
    public bool Dynamic { get; init; }

    /// <summary>The broker keys a topic or group key defaults from, in Kafka's precedence order (log.retention.ms first).</summary>
    public IReadOnlyList<ConfigSynonymKey> Synonyms { get; init; } = [];

    /// <summary>True for PASSWORD keys: DescribeConfigs reports them sensitive, without a value.</summary>
    public bool Sensitive => Type == ConfigType.Password;

    /// <summary>Null when <paramref name="value"/> is acceptable, else Kafka's ConfigException message.</summary>
    public string? Validate(string value) =>
        Reason(value.Trim()) is { } why ? $"Invalid value {value} for configuration {Name}: {why}" : null;

    /// <summary>Why the trimmed <paramref name="value"/> is not acceptable (Kafka's wording), or null.</summary>
    public string? Reason(string value)
    {
        string? why = Type switch
        {
            ConfigType.Boolean => value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
                ? null : "Expected value to be either true or false",
            ConfigType.Short => Integer(value, short.MinValue, short.MaxValue),
            ConfigType.Int => Integer(value, int.MinValue, int.MaxValue),
            ConfigType.Long => Integer(value, long.MinValue, long.MaxValue),
            ConfigType.Double => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? Bounds(d) : "Not a number of type DOUBLE",
            ConfigType.List => ValidValues is null ? null : value.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(i => !ValidValues.Contains(i, StringComparer.Ordinal)) is { } bad
                ? $"String must be one of: {string.Join(", ", ValidValues)}{(bad.Length == 0 ? " (an empty item is not)" : "")}" : null,
            _ => ValidValues is null || ValidValues.Contains(value, StringComparer.Ordinal) ? null : $"String must be one of: {string.Join(", ", ValidValues)}",
        };
        return why ?? Check?.Invoke(value);
    }

    private string? Integer(string value, long typeMin, long typeMax) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x) && x >= typeMin && x <= typeMax
            ? Bounds(x)
            : $"Not a number of type {Type.ToString().ToUpperInvariant()}";

    private string? Bounds(double x) =>
        x < Min ? $"Value must be at least {Text(Min.Value)}"
        : x > Max ? $"Value must be no more than {Text(Max.Value)}"
        : null;

    private static string Text(double v) => v.ToString(CultureInfo.InvariantCulture);
}
