namespace Chronik.SchemaRegistry.Storage;

/// <summary>The kinds of key in <c>_schemas</c>, named as Confluent's <c>keytype</c> field names them.</summary>
public enum RegistryKeyType
{
    Schema,
    Config,
    Mode,
    DeleteSubject,
    Noop,
}

/// <summary>A decoded <c>_schemas</c> key: its type, its subject (null for the global config and mode) and, for a schema, its version.</summary>
public sealed record RegistryKey(RegistryKeyType Type, string? Subject, int Version = 0);
