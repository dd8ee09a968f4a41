using System.Globalization;
using System.Text;

namespace Chronik.Protocol.Generator;

/// <summary>Maps schema field types to C# types, defaults and default checks.</summary>
internal sealed class TypeMapper
{
    private readonly Dictionary<string, string> _classNames;

    public TypeMapper(Dictionary<string, string> classNames) => _classNames = classNames;

    public string ClassName(string structName) => _classNames[structName];

    public static bool NullableAny(FieldSpec f) => !f.NullableVersions.IsEmpty;

    public string ElementType(string t) => t switch
    {
        "bool" => "bool",
        "int8" => "sbyte",
        "int16" => "short",
        "uint16" => "ushort",
        "int32" => "int",
        "uint32" => "uint",
        "int64" => "long",
        "float64" => "double",
        "uuid" => "Guid",
        "string" => "string",
        "bytes" => "byte[]",
        "records" => "ReadOnlyMemory<byte>?",
        _ => ClassName(t),
    };

    public string CsType(FieldSpec f)
    {
        if (f.IsArray) return $"List<{ElementType(f.ElementType)}>" + (NullableAny(f) ? "?" : "");
        return f.Type switch
        {
            "records" => "ReadOnlyMemory<byte>?",
            "string" or "bytes" => ElementType(f.Type) + (NullableAny(f) ? "?" : ""),
            _ when f.IsStructLike => ClassName(f.Type) + (NullableAny(f) ? "?" : ""),
            _ => ElementType(f.Type),
        };
    }

    public static bool DefaultIsNull(FieldSpec f) => f.Default == "null";

    /// <summary>The initializer, or null when the CLR default is already right.</summary>
    public static string? Initializer(FieldSpec f)
    {
        if (DefaultIsNull(f)) return f.Type == "records" ? null : "null";
        if (f.IsArray || f.IsStructLike) return "new()";
        return f.Type switch
        {
            "records" => null,
            "string" => Literal(f.Default ?? ""),
            "bytes" => "[]",
            "bool" => f.Default is null ? null : f.Default.ToLowerInvariant(),
            "uuid" => null,
            "float64" => f.Default is null ? null : f.Default + "d",
            _ => f.Default is null ? null : NumberLiteral(f.Default),
        };
    }

    public static string NumberLiteral(string s)
    {
        s = s.Trim();
        bool neg = s.StartsWith('-');
        string body = neg ? s[1..] : s;
        long v = body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(body[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(body, CultureInfo.InvariantCulture);
        return (neg ? -v : v).ToString(CultureInfo.InvariantCulture);
    }

    public static string Literal(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            sb.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", _ => c.ToString() });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A C# expression true when <paramref name="e"/> differs from the field's default.</summary>
    public static string NonDefault(FieldSpec f, string e)
    {
        string orNull = NullableAny(f) ? $"{e} is null || " : "";
        if (f.IsArray) return DefaultIsNull(f) ? $"{e} is not null" : $"({orNull}{e}.Count != 0)";
        if (f.Type == "records") return $"{e}.HasValue";
        if (f.IsStructLike) return DefaultIsNull(f) ? $"{e} is not null" : $"({orNull}!{e}.IsDefaultValue())";
        return f.Type switch
        {
            "string" => DefaultIsNull(f) ? $"{e} is not null" : $"!string.Equals({e}, {Literal(f.Default ?? "")}, StringComparison.Ordinal)",
            "bytes" => DefaultIsNull(f) ? $"{e} is not null" : $"({orNull}{e}.Length != 0)",
            "uuid" => $"{e} != Guid.Empty",
            "bool" => $"{e} != {(f.Default ?? "false").ToLowerInvariant()}",
            "float64" => $"{e} != {(f.Default ?? "0")}d",
            _ => $"{e} != {(f.Default is null ? "0" : NumberLiteral(f.Default))}",
        };
    }

    public static int FixedSize(string t) => t switch
    {
        "bool" or "int8" => 1,
        "int16" or "uint16" => 2,
        "int32" or "uint32" => 4,
        "int64" or "float64" => 8,
        "uuid" => 16,
        _ => 0,
    };

    public static string ReadPrimitive(string t) => t switch
    {
        "bool" => "reader.ReadBool()",
        "int8" => "reader.ReadInt8()",
        "int16" => "reader.ReadInt16()",
        "uint16" => "reader.ReadUInt16()",
        "int32" => "reader.ReadInt32()",
        "uint32" => "reader.ReadUInt32()",
        "int64" => "reader.ReadInt64()",
        "float64" => "reader.ReadFloat64()",
        "uuid" => "reader.ReadUuid()",
        _ => throw new InvalidOperationException(t),
    };

    public static string WritePrimitive(string t, string e) => t switch
    {
        "bool" => $"writer.WriteBool({e});",
        "int8" => $"writer.WriteInt8({e});",
        "int16" => $"writer.WriteInt16({e});",
        "uint16" => $"writer.WriteUInt16({e});",
        "int32" => $"writer.WriteInt32({e});",
        "uint32" => $"writer.WriteUInt32({e});",
        "int64" => $"writer.WriteInt64({e});",
        "float64" => $"writer.WriteFloat64({e});",
        "uuid" => $"writer.WriteUuid({e});",
        _ => throw new InvalidOperationException(t),
    };
}
