namespace Chronik.Embedded;

/// <summary>The broker could not start with the options given (a bad property value, say); the message says why.</summary>
public sealed class EmbeddedBrokerException : Exception
{
    public EmbeddedBrokerException()
    {
    }

    public EmbeddedBrokerException(string message)
        : base(message)
    {
    }

    public EmbeddedBrokerException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
