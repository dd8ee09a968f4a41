using System.Text.RegularExpressions;
using Chronik.Broker;
using Chronik.Broker.Security;

namespace Chronik.Broker.Configuration;

/// <summary>
/// The server.properties keys for listener security: protocol map, SASL mechanisms and PLAIN users, TLS key
/// material. Listed before <c>listeners</c> in precedence so the listener's protocol can be resolved from the map.
/// </summary>
public static partial class SecurityProperties
{
    public static IReadOnlyList<ServerProperty> BeforeListeners { get; } =
    [
        new("listener.security.protocol.map", _ => "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
            "NAME:PROTOCOL pairs naming the security protocol of each listener name.", ApplyProtocolMap),
    ];

    public static IReadOnlyList<ServerProperty> Others { get; } =
    [
        new("sasl.enabled.mechanisms", o => string.Join(',', o.Security.SaslEnabledMechanisms),
            "SASL mechanisms a SASL listener offers: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.", ApplyMechanisms),
        new("connections.max.reauth.ms", o => o.Security.ConnectionsMaxReauthMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "Lifetime of a SASL session; clients re-authenticate before it ends (KIP-368). 0 (the default): sessions never expire.",
            (s, v) => s.Options.Security.ConnectionsMaxReauthMs = ConfigValues.Long(v, 0)),
        new("sasl.jaas.config", _ => "(unset)",
            "PlainLoginModule config whose user_NAME=\"password\" entries are the PLAIN users (also read from listener.name.<listener>.plain.sasl.jaas.config).",
            (s, v) => ApplyJaas(s.Options, v)),
        new("ssl.keystore.location", o => o.Security.KeystoreLocation ?? "(unset)",
            "Server certificate and key for SSL/SASL_SSL: a PKCS12 file, or PEM with ssl.keystore.type=PEM.",
            (s, v) => s.Options.Security.KeystoreLocation = ConfigValues.NonEmpty(v)),
        new("ssl.keystore.type", o => o.Security.KeystoreType, "PKCS12 or PEM.",
            (s, v) => s.Options.Security.KeystoreType = StoreType(v)),
        new("ssl.keystore.password", _ => "(unset)", "Password of the PKCS12 keystore.",
            (s, v) => s.Options.Security.KeystorePassword = v),
        new("ssl.key.password", _ => "(unset)", "Password of an encrypted PEM private key.",
            (s, v) => s.Options.Security.KeyPassword = v),
        new("ssl.truststore.location", o => o.Security.TruststoreLocation ?? "(unset)",
            "Certificates client certificates must chain to (with ssl.client.auth).",
            (s, v) => s.Options.Security.TruststoreLocation = ConfigValues.NonEmpty(v)),
        new("ssl.truststore.type", o => o.Security.TruststoreType, "PKCS12 or PEM.",
            (s, v) => s.Options.Security.TruststoreType = StoreType(v)),
        new("ssl.truststore.password", _ => "(unset)", "Password of the PKCS12 truststore.",
            (s, v) => s.Options.Security.TruststorePassword = v),
        new("ssl.client.auth", o => o.Security.ClientAuth, "none, requested or required: whether clients present a certificate.",
            (s, v) => s.Options.Security.ClientAuth = v.ToLowerInvariant() is "none" or "requested" or "required" ? v.ToLowerInvariant() : throw new ConfigValueException("none, requested or required")),
    ];

    /// <summary>listener.name.NAME.MECHANISM.sasl.jaas.config: a per-listener JAAS config (only PLAIN's users are read).</summary>
    public static ServerProperty? FindPrefixed(string key) =>
        ListenerJaasKey().Match(key) is { Success: true } m
            ? new ServerProperty(key, _ => "(unset)", "Per-listener JAAS config.",
                (s, v) => { if (m.Groups[1].Value.Equals("plain", StringComparison.OrdinalIgnoreCase)) ApplyJaas(s.Options, v); })
            : null;

    [GeneratedRegex(@"^listener\.name\.[^.]+\.([a-z0-9-]+)\.sasl\.jaas\.config$", RegexOptions.IgnoreCase)]
    private static partial Regex ListenerJaasKey();

    [GeneratedRegex("""user_([^=\s]+)\s*=\s*"([^"]*)"|user_([^=\s]+)\s*=\s*([^\s;"]+)""")]
    private static partial Regex JaasUser();

    private static void ApplyProtocolMap(ServerSettings settings, string value)
    {
        foreach (string entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new ConfigValueException("NAME:PROTOCOL pairs, e.g. CLIENT:SASL_SSL");
            try
            {
                settings.ProtocolMap[entry[..colon].ToUpperInvariant()] = ListenerSecurityOptions.ParseProtocol(entry[(colon + 1)..]);
            }
            catch (FormatException e)
            {
                throw new ConfigValueException(e.Message);
            }
        }
    }

    private static void ApplyMechanisms(ServerSettings settings, string value)
    {
        var list = settings.Options.Security.SaslEnabledMechanisms;
        list.Clear();
        foreach (string m in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!SaslMechanisms.IsSupported(m)) throw new ConfigValueException($"mechanisms among PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 ({m} is not supported)");
            list.Add(m);
        }
    }

    /// <summary>Reads the user_NAME="password" options of a PlainLoginModule JAAS config.</summary>
    public static void ApplyJaas(BrokerOptions options, string value)
    {
        if (!value.Contains("PlainLoginModule", StringComparison.Ordinal)) return;
        foreach (Match m in JaasUser().Matches(value))
        {
            string user = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[3].Value;
            string password = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[4].Value;
            options.Security.PlainUsers[user] = password;
        }
    }

    private static string StoreType(string v) => v.ToUpperInvariant() is "PKCS12" or "PEM" ? v.ToUpperInvariant() : throw new ConfigValueException("PKCS12 or PEM");

    /// <summary>The security protocol of a listener name: the map's entry, else the name itself.</summary>
    public static SecurityProtocol? ProtocolOf(ServerSettings settings, string name)
    {
        if (settings.ProtocolMap.TryGetValue(name.ToUpperInvariant(), out var mapped)) return mapped;
        try { return ListenerSecurityOptions.ParseProtocol(name); }
        catch (FormatException) { return null; }
    }
}
