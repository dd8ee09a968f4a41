namespace Chronik.SchemaRegistry.Security;

/// <summary>Who sent a registry request: the Kafka principal ("User:name", or "User:ANONYMOUS" without SASL) and the client's address, for host ACLs.</summary>
internal sealed record RegistryCaller(string Principal, string Host)
{
    public const string Anonymous = "User:ANONYMOUS";
}
