using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Chronik.Broker;
using Chronik.Broker.Security;

namespace Chronik.SchemaRegistry.Security;

/// <summary>
/// HTTP basic authentication for the registry, against the broker's own users: the SASL/PLAIN users of its SASL
/// listeners (when one enables PLAIN) and the SCRAM credentials AlterUserScramCredentials stored (when one enables a
/// SCRAM mechanism). On only when some Kafka listener uses SASL. A SCRAM check derives the salted password (PBKDF2,
/// thousands of rounds), so a verified (user, keyed password hash) is remembered with the credential it matched; the
/// records compare the stored arrays by reference, so a changed or deleted credential no longer matches and is checked afresh.
/// </summary>
public sealed class BasicAuthenticator
{
    private const int MaxCachedLogins = 1024;
    private static readonly string[] ScramMechanisms = [SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha512];
    private readonly Dictionary<string, string> _plainUsers = new(StringComparer.Ordinal);
    private readonly bool _scram;
    private readonly IScramCredentialProvider _credentials;
    private readonly ConcurrentDictionary<(string User, string PasswordHash), ScramCredential> _verified = new();
    // Keys the remembered password hashes, so the cache holds nothing an offline guesser could use.
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);

    public BasicAuthenticator(BrokerOptions options, IScramCredentialProvider credentials)
    {
        _credentials = credentials;
        foreach (BrokerListener listener in options.Listeners)
        {
            ListenerSecurityOptions security = listener.Security;
            if (!security.UsesSasl) continue;
            Enabled = true;
            if (security.SaslEnabledMechanisms.Contains(SaslMechanisms.Plain))
            {
                foreach (var (user, password) in security.PlainUsers) _plainUsers.TryAdd(user, password);
            }
            _scram |= security.SaslEnabledMechanisms.Exists(m => m is SaslMechanisms.ScramSha256 or SaslMechanisms.ScramSha512);
        }
    }

    /// <summary>True when some Kafka listener uses SASL: every registry request must then carry valid credentials.</summary>
    public bool Enabled { get; }

    /// <summary>The Kafka principal ("User:name") of a valid <c>Authorization: Basic …</c> header value, else null.</summary>
    public string? Authenticate(string? authorization)
    {
        if (!TryParse(authorization, out string user, out string password)) return null;
        if (_plainUsers.TryGetValue(user, out string? expected) && FixedTimeEquals(expected, password)) return "User:" + user;
        return _scram && ScramMatches(user, password) ? "User:" + user : null;
    }

    private bool ScramMatches(string user, string password)
    {
        string hash = Convert.ToBase64String(HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(password)));
        foreach (string mechanism in ScramMechanisms)
        {
            if (_credentials.Find(user, mechanism) is not { } credential) continue;
            if (_verified.TryGetValue((user, hash), out ScramCredential? known) && known.Equals(credential)) return true;
            if (!FixedTimeEquals(ScramCredential.FromPassword(mechanism, password, credential.Salt, credential.Iterations).StoredKey, credential.StoredKey)) continue;
            if (_verified.Count >= MaxCachedLogins) _verified.Clear();
            _verified[(user, hash)] = credential;
            return true;
        }
        return false;
    }

    private static bool TryParse(string? header, out string user, out string password)
    {
        user = password = "";
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return false;
        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }

    private static bool FixedTimeEquals(string a, string b) => FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static bool FixedTimeEquals(byte[] a, byte[] b) => CryptographicOperations.FixedTimeEquals(a, b);
}
