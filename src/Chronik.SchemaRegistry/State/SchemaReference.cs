namespace Chronik.SchemaRegistry.State;

/// <summary>A schema's reference to another subject's version, under the name the schema uses for it (an Avro full name, a JSON $ref URL, a .proto import).</summary>
public sealed record SchemaReference(string Name, string Subject, int Version);
