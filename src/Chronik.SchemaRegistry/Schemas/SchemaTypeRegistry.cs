namespace Chronik.SchemaRegistry.Schemas;

/// <summary>The schema types served, by their schemaType name (a missing schemaType means AVRO).</summary>
public sealed class SchemaTypeRegistry
{
    private readonly Dictionary<string, ISchemaType> _types;

    public SchemaTypeRegistry() => _types = new ISchemaType[] { new AvroSchemaType(), new JsonSchemaType(), new ProtobufSchemaType() }
        .ToDictionary(t => t.Name, StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _types.Keys.Order(StringComparer.Ordinal).ToList();

    public ISchemaType? Find(string? name) => _types.GetValueOrDefault(string.IsNullOrEmpty(name) ? State.SchemaTypeNames.Avro : name.ToUpperInvariant());
}
