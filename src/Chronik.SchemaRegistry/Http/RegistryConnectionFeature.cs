namespace Chronik.SchemaRegistry.Http;

/// <summary>Marks a connection accepted on the Schema Registry's port, so its routes answer there and nowhere else.</summary>
internal sealed class RegistryConnectionFeature
{
    public static readonly RegistryConnectionFeature Instance = new();
}
