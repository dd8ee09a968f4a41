namespace Chronik.Broker.Security;

/// <summary>Kafka's listener security protocols.</summary>
public enum SecurityProtocol
{
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

/// <summary>How a Kafka listener secures its connections: TLS, SASL mechanisms, and where credentials come from.</summary>
public sealed class ListenerSecurityOptions
{
    public SecurityProtocol Protocol { get; set; } = SecurityProtocol.Plaintext;
    public bool UsesTls => Protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;
    public bool UsesSasl => Protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;

    /// <summary>sasl.enabled.mechanisms.</summary>
    public List<string> SaslEnabledMechanisms { get; } = [SaslMechanisms.Plain, SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha512];

    /// <summary>connections.max.reauth.ms: a SASL session's lifetime; the client re-authenticates before it ends (KIP-368). 0: never.</summary>
    public long ConnectionsMaxReauthMs { get; set; }

    /// <summary>PLAIN users (user_NAME="password" entries of the PlainLoginModule JAAS config).</summary>
    public Dictionary<string, string> PlainUsers { get; } = new(StringComparer.Ordinal);

    /// <summary>ssl.keystore.location: a PKCS12 file, or a PEM file holding the certificate chain and the private key.</summary>
    public string? KeystoreLocation { get; set; }
    /// <summary>ssl.keystore.type: PKCS12 (Kafka's default) or PEM.</summary>
    public string KeystoreType { get; set; } = "PKCS12";
    public string? KeystorePassword { get; set; }
    /// <summary>ssl.key.password: the password of an encrypted PEM private key.</summary>
    public string? KeyPassword { get; set; }
    /// <summary>ssl.truststore.location: PEM or PKCS12 certificates client certificates must chain to.</summary>
    public string? TruststoreLocation { get; set; }
    public string TruststoreType { get; set; } = "PKCS12";
    public string? TruststorePassword { get; set; }
    /// <summary>ssl.client.auth: none, requested or required.</summary>
    public string ClientAuth { get; set; } = "none";

    /// <summary>A copy with another protocol: a listener's settings start from the broker-wide ones.</summary>
    public ListenerSecurityOptions CopyAs(SecurityProtocol protocol)
    {
        var copy = new ListenerSecurityOptions
        {
            Protocol = protocol,
            ConnectionsMaxReauthMs = ConnectionsMaxReauthMs,
            KeystoreLocation = KeystoreLocation,
            KeystoreType = KeystoreType,
            KeystorePassword = KeystorePassword,
            KeyPassword = KeyPassword,
            TruststoreLocation = TruststoreLocation,
            TruststoreType = TruststoreType,
            TruststorePassword = TruststorePassword,
            ClientAuth = ClientAuth,
        };
        copy.SaslEnabledMechanisms.Clear();
        copy.SaslEnabledMechanisms.AddRange(SaslEnabledMechanisms);
        foreach (var (user, password) in PlainUsers) copy.PlainUsers[user] = password;
        return copy;
    }

    public static SecurityProtocol ParseProtocol(string name) => name.ToUpperInvariant() switch
    {
        "PLAINTEXT" => SecurityProtocol.Plaintext,
        "SSL" => SecurityProtocol.Ssl,
        "SASL_PLAINTEXT" => SecurityProtocol.SaslPlaintext,
        "SASL_SSL" => SecurityProtocol.SaslSsl,
        _ => throw new FormatException($"unknown security protocol '{name}' (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)"),
    };

    public static string ProtocolName(SecurityProtocol p) => p switch
    {
        SecurityProtocol.Ssl => "SSL",
        SecurityProtocol.SaslPlaintext => "SASL_PLAINTEXT",
        SecurityProtocol.SaslSsl => "SASL_SSL",
        _ => "PLAINTEXT",
    };
}

/// <summary>The SASL mechanism names this broker implements.</summary>
public static class SaslMechanisms
{
    public const string Plain = "PLAIN";
    public const string ScramSha256 = "SCRAM-SHA-256";
    public const string ScramSha512 = "SCRAM-SHA-512";

    public static bool IsSupported(string mechanism) => mechanism is Plain or ScramSha256 or ScramSha512;
}
