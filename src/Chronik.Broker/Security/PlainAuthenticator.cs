using System.Security.Cryptography;
using System.Text;

namespace Chronik.Broker.Security;

/// <summary>SASL/PLAIN (RFC 4616): one token "authzid NUL authcid NUL passwd", checked against the configured users.</summary>
public sealed class PlainAuthenticator(IReadOnlyDictionary<string, string> users) : ISaslAuthenticator
{
    public bool IsComplete { get; private set; }
    public string? User { get; private set; }

    public byte[] Evaluate(ReadOnlySpan<byte> clientToken)
    {
        if (IsComplete) throw new SaslAuthenticationException("Authentication failed: unexpected token after completion");
        string token = Encoding.UTF8.GetString(clientToken);
        string[] parts = token.Split('\0');
        if (parts.Length != 3) throw new SaslAuthenticationException("Invalid SASL/PLAIN response: expected 3 tokens");
        string authzid = parts[0], user = parts[1], password = parts[2];
        if (user.Length == 0) throw new SaslAuthenticationException("Authentication failed: username not specified");
        if (password.Length == 0) throw new SaslAuthenticationException("Authentication failed: password not specified");
        if (authzid.Length > 0 && authzid != user) throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
        if (!users.TryGetValue(user, out string? expected) || !FixedTimeEquals(expected, password))
        {
            throw new SaslAuthenticationException("Authentication failed: Invalid username or password");
        }
        User = user;
        IsComplete = true;
        return [];
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
