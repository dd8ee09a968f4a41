using Chronik.SchemaRegistry.State;

namespace Chronik.SchemaRegistry.Registry;

/// <summary>A schema as a client sends it to register, look up or test: text, type (null is AVRO), references, and in IMPORT mode its id and version.</summary>
public sealed record SchemaRequest(string Schema, string? SchemaType, IReadOnlyList<SchemaReference> References, int? Id = null, int? Version = null);
