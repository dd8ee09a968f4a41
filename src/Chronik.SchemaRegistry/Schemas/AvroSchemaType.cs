using System.Text.Json;
using System.Text.Json.Nodes;
using Avro;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>
/// AVRO: parsed by Apache.Avro (referenced schemas first, so their named types resolve); the canonical text is
/// the registered JSON without whitespace, and with normalize the library's own full form (names resolved; only compacted when the schema has references).
/// Compatibility is Avro's schema resolution (<see cref="AvroCompatibility"/>).
/// </summary>
internal sealed class AvroSchemaType : ISchemaType
{
    public string Name => State.SchemaTypeNames.Avro;

    public ParsedSchema Parse(string schema, IReadOnlyList<ResolvedReference> references, bool normalize)
    {
        try
        {
            var names = new SchemaNames();
            foreach (ResolvedReference r in references)
            {
                Schema.Parse(r.Schema, names, null);
            }
            // Apache.Avro answers null (no exception) for an object whose type names nothing it knows.
            Schema parsed = Schema.Parse(schema, names, null) ?? throw new InvalidSchemaException($"Invalid schema {schema}, details: undefined type");
            // The library's form writes referenced named types inline, which a later parse with the same references
            // would reject as redefined; with references, normalize only compacts.
            string canonical = normalize && references.Count == 0
                ? parsed.ToString()
                : CanonicalJson.Compact(JsonNode.Parse(schema) ?? throw new InvalidSchemaException("null schema"), sortKeys: false);
            return new ParsedSchema(Name, canonical, parsed);
        }
        catch (Exception e) when (e is AvroException or JsonException or Newtonsoft.Json.JsonException or ArgumentException)
        {
            throw new InvalidSchemaException($"Invalid schema {schema}, details: {e.Message}", e);
        }
    }

    public IReadOnlyList<string> ReaderIncompatibilities(ParsedSchema reader, ParsedSchema writer) =>
        AvroCompatibility.Check((Schema)reader.Model, (Schema)writer.Model);
}
