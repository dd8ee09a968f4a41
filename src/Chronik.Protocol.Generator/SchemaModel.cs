using System.Globalization;
using System.Text.Json;

namespace Chronik.Protocol.Generator;

/// <summary>An inclusive version range from a schema ("0+", "3-7", "5", "none").</summary>
public readonly record struct VersionRange(short Min, short Max)
{
    public static readonly VersionRange None = new(1, 0);
    public const short Open = short.MaxValue;

    public bool IsEmpty => Min > Max;
    public bool Contains(short v) => v >= Min && v <= Max;

    public static VersionRange Parse(string? s)
    {
        if (string.IsNullOrWhiteSpace(s) || s == "none") return None;
        s = s.Trim();
        if (s.EndsWith('+')) return new(short.Parse(s[..^1], CultureInfo.InvariantCulture), Open);
        int dash = s.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0) return new(short.Parse(s[..dash], CultureInfo.InvariantCulture), short.Parse(s[(dash + 1)..], CultureInfo.InvariantCulture));
        short v = short.Parse(s, CultureInfo.InvariantCulture);
        return new(v, v);
    }

    public VersionRange Intersect(VersionRange o) => new(Math.Max(Min, o.Min), Math.Min(Max, o.Max));

    /// <summary>A C# boolean expression over the variable <c>version</c>.</summary>
    public string Condition(string var = "version")
    {
        if (IsEmpty) return "false";
        if (Min == 0 && Max == Open) return "true";
        if (Max == Open) return $"{var} >= {Min}";
        if (Min == Max) return $"{var} == {Min}";
        if (Min == 0) return $"{var} <= {Max}";
        return $"({var} >= {Min} && {var} <= {Max})";
    }

    public override string ToString() => IsEmpty ? "none" : Max == Open ? $"{Min}+" : Min == Max ? $"{Min}" : $"{Min}-{Max}";
}

/// <summary>One field of a message or struct, as the schema declares it.</summary>
public sealed record FieldSpec
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public VersionRange Versions { get; init; }
    public VersionRange NullableVersions { get; init; } = VersionRange.None;
    public VersionRange TaggedVersions { get; init; } = VersionRange.None;
    /// <summary>Field-level override of the message's flexible versions (the request header's ClientId).</summary>
    public VersionRange? FlexibleVersions { get; init; }
    public int? Tag { get; init; }
    public bool Ignorable { get; init; }
    public bool MapKey { get; init; }
    public string? Default { get; init; }
    public string? About { get; init; }
    public List<FieldSpec>? Fields { get; init; }

    public bool IsArray => Type.StartsWith("[]", StringComparison.Ordinal);
    public string ElementType => IsArray ? Type[2..] : Type;
    public bool IsStructLike => !Primitives.Contains(ElementType);

    public static readonly HashSet<string> Primitives =
        ["bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64", "uuid", "string", "bytes", "records"];
}

/// <summary>A struct type: a message body, a nested struct or a common struct.</summary>
public sealed record StructSpec
{
    public required string Name { get; init; }
    public required List<FieldSpec> Fields { get; init; }
}

/// <summary>One schema file: a request, response, header or data message.</summary>
public sealed record MessageSpec
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public short? ApiKey { get; init; }
    public VersionRange ValidVersions { get; init; }
    public VersionRange FlexibleVersions { get; init; }
    public List<string> Listeners { get; init; } = [];
    public bool LatestVersionUnstable { get; init; }
    public required List<FieldSpec> Fields { get; init; }
    public List<StructSpec> CommonStructs { get; init; } = [];
}

/// <summary>Loads Kafka's JSON message schemas (which carry // comments).</summary>
public static class SchemaLoader
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static List<MessageSpec> LoadAll(string dir) =>
        Directory.GetFiles(dir, "*.json").OrderBy(f => f, StringComparer.Ordinal).Select(LoadFile).ToList();

    public static MessageSpec LoadFile(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path), Options);
        var root = doc.RootElement;
        return new MessageSpec
        {
            Name = root.GetProperty("name").GetString()!,
            Type = root.GetProperty("type").GetString()!,
            ApiKey = root.TryGetProperty("apiKey", out var k) ? (k.ValueKind == JsonValueKind.String ? short.Parse(k.GetString()!, CultureInfo.InvariantCulture) : k.GetInt16()) : null,
            ValidVersions = VersionRange.Parse(root.GetProperty("validVersions").GetString()),
            FlexibleVersions = VersionRange.Parse(root.TryGetProperty("flexibleVersions", out var fv) ? fv.GetString() : null),
            Listeners = root.TryGetProperty("listeners", out var l) ? l.EnumerateArray().Select(e => e.GetString()!).ToList() : [],
            LatestVersionUnstable = root.TryGetProperty("latestVersionUnstable", out var u) && u.GetBoolean(),
            Fields = root.TryGetProperty("fields", out var fs) ? ReadFields(fs) : [],
            CommonStructs = root.TryGetProperty("commonStructs", out var cs)
                ? cs.EnumerateArray().Select(c => new StructSpec { Name = c.GetProperty("name").GetString()!, Fields = ReadFields(c.GetProperty("fields")) }).ToList()
                : [],
        };
    }

    private static List<FieldSpec> ReadFields(JsonElement arr) => arr.EnumerateArray().Select(ReadField).ToList();

    private static FieldSpec ReadField(JsonElement f)
    {
        string? Str(string name) => f.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;
        bool Bool(string name) => f.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.String && v.GetString() == "true"));
        return new FieldSpec
        {
            Name = Str("name")!,
            Type = Str("type")!,
            // Kafka's FieldSpec: a tagged field without "versions" exists in its taggedVersions.
            Versions = VersionRange.Parse(Str("versions") ?? Str("taggedVersions")),
            NullableVersions = VersionRange.Parse(Str("nullableVersions")),
            TaggedVersions = VersionRange.Parse(Str("taggedVersions")),
            FlexibleVersions = Str("flexibleVersions") is { } fv ? VersionRange.Parse(fv) : null,
            Tag = f.TryGetProperty("tag", out var t) ? (t.ValueKind == JsonValueKind.String ? int.Parse(t.GetString()!, CultureInfo.InvariantCulture) : t.GetInt32()) : null,
            Ignorable = Bool("ignorable"),
            MapKey = Bool("mapKey"),
            Default = Str("default"),
            About = Str("about"),
            Fields = f.TryGetProperty("fields", out var sub) ? ReadFields(sub) : null,
        };
    }
}
