namespace Chronik.SchemaRegistry.Schemas;

/// <summary>A schema its type accepted: the text stored and compared ("same schema" means same canonical text), and the type's own model of it.</summary>
public sealed record ParsedSchema(string SchemaType, string Canonical, object Model);
