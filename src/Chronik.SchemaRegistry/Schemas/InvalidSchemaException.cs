namespace Chronik.SchemaRegistry.Schemas;

/// <summary>A schema its type cannot parse (Confluent's 42201).</summary>
public sealed class InvalidSchemaException(string message, Exception? inner = null) : Exception(message, inner);
