using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>
/// JSON Schema: checked by JsonSchema.Net (it must be a valid schema document); the canonical text is the JSON
/// without whitespace, and with normalize also with sorted keys. Compatibility: <see cref="JsonSchemaCompatibility"/>.
/// </summary>
internal sealed class JsonSchemaType : ISchemaType
{
    public string Name => State.SchemaTypeNames.Json;

    public ParsedSchema Parse(string schema, IReadOnlyList<ResolvedReference> references, bool normalize)
    {
        try
        {
            JsonNode node = JsonNode.Parse(schema) ?? throw new InvalidSchemaException("Invalid schema: null");
            if (node is not JsonObject and not JsonValue) throw new InvalidSchemaException($"Invalid schema {schema}: not an object or boolean");
            _ = JsonSchema.FromText(schema);
            return new ParsedSchema(Name, CanonicalJson.Compact(node, normalize), node);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidSchemaException($"Invalid schema {schema}, details: {e.Message}", e);
        }
    }

    public IReadOnlyList<string> ReaderIncompatibilities(ParsedSchema reader, ParsedSchema writer) =>
        JsonSchemaCompatibility.Check((JsonNode)reader.Model, (JsonNode)writer.Model);
}
