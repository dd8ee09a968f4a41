using System.Text.Json;
using System.Text.Json.Nodes;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>
/// Confluent's JSON Schema compatibility rules (its documentation's "JSON Schema compatibility rules"), by hand:
/// a reader accepts what the writer produced when every writer type is a reader type (integer widens to
/// number); a property the reader adds is safe only if the writer's content model was closed
/// (<c>additionalProperties: false</c>) and the property is not required; a property the reader drops is safe
/// only if the reader's content model is open; closing an open content model, adding a required property,
/// narrowing an enum or a bound (maxLength, minimum, …) are incompatible. <c>$ref</c> inside the document and
/// the combinators beyond these are compared only as whole values.
/// </summary>
internal static class JsonSchemaCompatibility
{
    public static IReadOnlyList<string> Check(JsonNode reader, JsonNode writer)
    {
        var messages = new List<string>();
        Compare(reader, writer, "#", messages);
        return messages;
    }

    private static void Compare(JsonNode? reader, JsonNode? writer, string path, List<string> messages)
    {
        if (IsTrue(reader)) return;
        if (IsTrue(writer))
        {
            messages.Add($"TYPE_NARROWED at {path}: the reader restricts what the writer left open");
            return;
        }
        if (reader is not JsonObject r || writer is not JsonObject w)
        {
            if (!JsonNode.DeepEquals(reader, writer)) messages.Add($"TYPE_CHANGED at {path}");
            return;
        }
        CompareTypes(r, w, path, messages);
        CompareEnums(r, w, path, messages);
        CompareBounds(r, w, path, messages);
        CompareObjects(r, w, path, messages);
        if (r["items"] is JsonObject ri && w["items"] is JsonObject wi) Compare(ri, wi, path + "/items", messages);
        foreach (string combinator in (string[])["oneOf", "anyOf", "allOf", "not", "$ref"])
        {
            if (!JsonNode.DeepEquals(r[combinator], w[combinator])) messages.Add($"COMBINED_TYPE_CHANGED at {path}/{combinator}");
        }
    }

    private static void CompareTypes(JsonObject r, JsonObject w, string path, List<string> messages)
    {
        var readerTypes = Types(r);
        var writerTypes = Types(w);
        if (readerTypes is null) return;
        if (writerTypes is null)
        {
            messages.Add($"TYPE_NARROWED at {path}/type: reader allows only [{string.Join(", ", readerTypes)}]");
            return;
        }
        foreach (string t in writerTypes)
        {
            if (readerTypes.Contains(t) || t == "integer" && readerTypes.Contains("number")) continue;
            messages.Add(readerTypes.Count == 1 && writerTypes.Count == 1
                ? $"TYPE_CHANGED at {path}/type: {t} became {readerTypes.First()}"
                : $"TYPE_NARROWED at {path}/type: the reader no longer allows {t}");
        }
    }

    private static void CompareEnums(JsonObject r, JsonObject w, string path, List<string> messages)
    {
        if (r["enum"] is not JsonArray re) return;
        if (w["enum"] is not JsonArray we)
        {
            messages.Add($"ENUM_ARRAY_NARROWED at {path}/enum: the reader added an enum");
            return;
        }
        foreach (JsonNode? value in we)
        {
            if (!re.Any(v => JsonNode.DeepEquals(v, value))) messages.Add($"ENUM_ARRAY_NARROWED at {path}/enum: {value?.ToJsonString()} removed");
        }
    }

    private static void CompareBounds(JsonObject r, JsonObject w, string path, List<string> messages)
    {
        // Upper bounds must not shrink, lower bounds must not grow.
        foreach (string key in (string[])["maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"])
        {
            if (Number(r[key]) is { } rv && (Number(w[key]) is not { } wv || rv < wv)) messages.Add($"MAX_NARROWED at {path}/{key}");
        }
        foreach (string key in (string[])["minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"])
        {
            if (Number(r[key]) is { } rv && (Number(w[key]) is not { } wv || rv > wv)) messages.Add($"MIN_NARROWED at {path}/{key}");
        }
        if (r["pattern"] is { } rp && !JsonNode.DeepEquals(rp, w["pattern"])) messages.Add($"PATTERN_CHANGED at {path}/pattern");
    }

    private static void CompareObjects(JsonObject r, JsonObject w, string path, List<string> messages)
    {
        var rp = r["properties"] as JsonObject ?? [];
        var wp = w["properties"] as JsonObject ?? [];
        var writerRequired = Strings(w["required"]);
        var readerRequired = Strings(r["required"]);
        JsonNode? readerExtra = r["additionalProperties"];
        JsonNode? writerExtra = w["additionalProperties"];
        foreach (var (name, readerProp) in rp)
        {
            string propPath = $"{path}/properties/{name}";
            if (wp[name] is { } writerProp)
            {
                Compare(readerProp, writerProp, propPath, messages);
                if (readerRequired.Contains(name) && !writerRequired.Contains(name)) messages.Add($"REQUIRED_ATTRIBUTE_ADDED at {propPath}");
            }
            else if (IsFalse(writerExtra))
            {
                if (readerRequired.Contains(name)) messages.Add($"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL at {propPath}");
            }
            else if (writerExtra is JsonObject writerExtraSchema)
            {
                Compare(readerProp, writerExtraSchema, propPath, messages);
            }
            else
            {
                messages.Add($"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at {propPath}");
            }
        }
        foreach (var (name, writerProp) in wp)
        {
            if (rp.ContainsKey(name)) continue;
            string propPath = $"{path}/properties/{name}";
            if (IsFalse(readerExtra)) messages.Add($"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at {propPath}");
            else if (readerExtra is JsonObject readerExtraSchema) Compare(readerExtraSchema, writerProp, propPath, messages);
        }
        if (IsFalse(readerExtra) && !IsFalse(writerExtra)) messages.Add($"ADDITIONAL_PROPERTIES_REMOVED at {path}/additionalProperties");
        else if (readerExtra is JsonObject re && writerExtra is JsonObject we) Compare(re, we, path + "/additionalProperties", messages);
    }

    private static HashSet<string>? Types(JsonObject o) => o["type"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => Strings(a),
        _ => null,
    };

    private static HashSet<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Where(v => v?.GetValueKind() == JsonValueKind.String).Select(v => v!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : [];

    private static double? Number(JsonNode? n) => n?.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : null;

    private static bool IsTrue(JsonNode? n) => n is null || n.GetValueKind() == JsonValueKind.True || n is JsonObject { Count: 0 };

    private static bool IsFalse(JsonNode? n) => n?.GetValueKind() == JsonValueKind.False;
}
