namespace Chronik.SchemaRegistry.Schemas;

/// <summary>A reference with the referenced schema's text, in dependency order (a reference's own references come before it).</summary>
public sealed record ResolvedReference(string Name, string Schema);
