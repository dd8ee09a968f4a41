namespace Chronik.SchemaRegistry.Registry;

/// <summary>A request the registry refuses, with Confluent's error code (40401, 42201, …) and the HTTP status it maps to.</summary>
public sealed class RegistryException(int errorCode, string message) : Exception(message)
{
    public int ErrorCode { get; } = errorCode;

    /// <summary>The first three digits of the code (409 stays 409, 40401 is 404, 50001 is 500).</summary>
    public int HttpStatus { get; } = errorCode < 1000 ? errorCode : errorCode / 100;
}
