namespace Chronik.Broker.Security;

/// <summary>The server side of one SASL exchange: consumes client tokens, produces server tokens.</summary>
public interface ISaslAuthenticator
{
    /// <summary>Processes a client token. Throws <see cref="SaslAuthenticationException"/> when authentication fails.</summary>
    byte[] Evaluate(ReadOnlySpan<byte> clientToken);

    /// <summary>True when the exchange has finished successfully.</summary>
    bool IsComplete { get; }

    /// <summary>The authenticated user name, once complete.</summary>
    string? User { get; }
}

/// <summary>A failed SASL exchange; the message goes back to the client in SaslAuthenticate's error_message.</summary>
public sealed class SaslAuthenticationException(string message) : Exception(message);
