namespace Chronik.SchemaRegistry.Schemas;

/// <summary>One schema format (AVRO, JSON, PROTOBUF): parsing to a canonical form, and its own compatibility rules.</summary>
public interface ISchemaType
{
    string Name { get; }

    /// <summary>Parses <paramref name="schema"/>; throws <see cref="InvalidSchemaException"/>. With <paramref name="normalize"/>, the canonical text is the normalized one.</summary>
    ParsedSchema Parse(string schema, IReadOnlyList<ResolvedReference> references, bool normalize);

    /// <summary>Why a reader with schema <paramref name="reader"/> cannot read data written with <paramref name="writer"/>; empty when it can.</summary>
    IReadOnlyList<string> ReaderIncompatibilities(ParsedSchema reader, ParsedSchema writer);
}
