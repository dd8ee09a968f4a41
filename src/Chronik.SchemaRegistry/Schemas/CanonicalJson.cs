using System.Text.Json;
using System.Text.Json.Nodes;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>JSON text without insignificant whitespace, optionally with every object's keys sorted (the "normalize" form).</summary>
internal static class CanonicalJson
{
    public static string Compact(JsonNode node, bool sortKeys) => (sortKeys ? Sorted(node)! : node).ToJsonString(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
