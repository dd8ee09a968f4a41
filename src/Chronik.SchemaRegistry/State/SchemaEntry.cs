namespace Chronik.SchemaRegistry.State;

/// <summary>One version of one subject: the schema it holds, its global id, and whether it is soft-deleted.</summary>
public sealed record SchemaEntry(
    string Subject,
    int Version,
    int Id,
    string SchemaType,
    string Schema,
    IReadOnlyList<SchemaReference> References,
    bool Deleted);
