namespace Chronik.SchemaRegistry.Storage;

/// <summary>One record of the <c>_schemas</c> topic: a JSON key and a JSON value, or a null value (a tombstone).</summary>
public sealed record RegistryRecord(byte[] Key, byte[]? Value);
