namespace Chronik.Broker.Configuration;

/// <summary>Thrown by a value parser when a setting's text is not acceptable; the message says what was expected.</summary>
public sealed class ConfigValueException(string expected) : Exception(expected)
{
    public string Expected { get; } = expected;
}
