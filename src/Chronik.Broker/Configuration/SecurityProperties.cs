using System.Text.RegularExpressions;
using Chronik.Broker;
using Chronik.Broker.Security;
using Chronik.Coordination.Configs.Catalog;
using K = Chronik.Coordination.Configs.Catalog.BrokerConfigKeys;

namespace Chronik.Broker.Configuration;

/// <summary>
/// The server.properties keys for listener security: protocol map, SASL mechanisms and PLAIN users, TLS key
/// material. Listed before <c>listeners</c> in precedence so the listener's protocol can be resolved from the map.
/// </summary>
public static partial class SecurityProperties
{
    public static IReadOnlyList<ServerProperty> BeforeListeners { get; } =
    [
        new(K.ListenerSecurityProtocolMap, _ => K.ListenerSecurityProtocolMap.Default, ApplyProtocolMap),
    ];

    /// <summary>A listener security key: set broker-wide as KEY, or for one listener as listener.name.NAME.KEY (which wins).</summary>
    private sealed record ListenerKey(ConfigKey Def, Func<ListenerSecurityOptions, string?> Current, Action<ListenerSecurityOptions, string> Apply);

    private static readonly ListenerKey[] s_listenerKeys =
    [
        new(K.SaslEnabledMechanisms, o => string.Join(',', o.SaslEnabledMechanisms), ApplyMechanisms),
        new(K.ConnectionsMaxReauthMs, o => o.ConnectionsMaxReauthMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (o, v) => o.ConnectionsMaxReauthMs = ConfigValues.Long(v, K.ConnectionsMaxReauthMs)),
        new(K.SaslJaasConfig, _ => null, ApplyJaas),
        new(K.SslKeystoreLocation, o => o.KeystoreLocation, (o, v) => o.KeystoreLocation = ConfigValues.NonEmpty(v)),
        new(K.SslKeystoreType, o => o.KeystoreType, (o, v) => o.KeystoreType = StoreType(v)),
        new(K.SslKeystorePassword, _ => null, (o, v) => o.KeystorePassword = v),
        new(K.SslKeyPassword, _ => null, (o, v) => o.KeyPassword = v),
        new(K.SslTruststoreLocation, o => o.TruststoreLocation, (o, v) => o.TruststoreLocation = ConfigValues.NonEmpty(v)),
        new(K.SslTruststoreType, o => o.TruststoreType, (o, v) => o.TruststoreType = StoreType(v)),
        new(K.SslTruststorePassword, _ => null, (o, v) => o.TruststorePassword = v),
        new(K.SslClientAuth, o => o.ClientAuth,
            (o, v) => o.ClientAuth = v.ToLowerInvariant() is "none" or "requested" or "required" ? v.ToLowerInvariant() : throw new ConfigValueException("none, requested or required")),
    ];

    public static IReadOnlyList<ServerProperty> Others { get; } =
        s_listenerKeys.Select(k => new ServerProperty(k.Def, o => k.Current(o.Security), (s, v) => k.Apply(s.Options.Security, v))).ToList();

    /// <summary>
    /// listener.name.NAME.KEY: a listener security key for one listener, and listener.name.NAME.MECHANISM.sasl.jaas.config
    /// (only PLAIN's users are read). Applied after the broker-wide keys, to that listener only.
    /// </summary>
    public static ServerProperty? FindPrefixed(string key)
    {
        if (ListenerPrefixedKey().Match(key) is not { Success: true } m) return null;
        string listener = m.Groups[1].Value.ToUpperInvariant();
        string rest = m.Groups[2].Value;
        if (MechanismJaasKey().Match(rest) is { Success: true } jaas)
        {
            bool plain = jaas.Groups[1].Value.Equals("plain", StringComparison.OrdinalIgnoreCase);
            return new ServerProperty(K.SaslJaasConfig with { Name = key, Documentation = "Per-listener JAAS config." }, _ => null,
                (s, v) => { if (plain && SecurityOf(s, listener, key) is { } o) ApplyJaas(o, v); });
        }
        return s_listenerKeys.FirstOrDefault(k => k.Def.Name.Equals(rest, StringComparison.OrdinalIgnoreCase)) is { } lk
            ? new ServerProperty(lk.Def with { Name = key, Documentation = $"{lk.Def.Name} of one listener." }, _ => null, (s, v) => { if (SecurityOf(s, listener, key) is { } o) lk.Apply(o, v); })
            : null;
    }

    // The security of the listener a prefixed key names; a name no listener has is a warning (Kafka ignores such keys too).
    private static ListenerSecurityOptions? SecurityOf(ServerSettings settings, string listener, string key)
    {
        if (listener == settings.Options.ListenerName) return settings.Options.Security;
        if (settings.Options.AdditionalListeners.Find(l => l.Name == listener) is { } other) return other.Security;
        settings.Warnings.Add($"'{key}': no listener is named {listener}; ignored");
        return null;
    }

    [GeneratedRegex(@"^listener\.name\.([^.]+)\.(.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ListenerPrefixedKey();

    [GeneratedRegex(@"^([a-z0-9-]+)\.sasl\.jaas\.config$", RegexOptions.IgnoreCase)]
    private static partial Regex MechanismJaasKey();

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

    private static void ApplyMechanisms(ListenerSecurityOptions security, string value)
    {
        string[] mechanisms = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (string m in mechanisms)
        {
            if (!SaslMechanisms.IsSupported(m)) throw new ConfigValueException($"mechanisms among PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 ({m} is not supported)");
        }
        security.SaslEnabledMechanisms.Clear();
        security.SaslEnabledMechanisms.AddRange(mechanisms);
    }

    /// <summary>Reads the user_NAME="password" options of a PlainLoginModule JAAS config.</summary>
    public static void ApplyJaas(ListenerSecurityOptions security, string value)
    {
        if (!value.Contains("PlainLoginModule", StringComparison.Ordinal)) return;
        foreach (Match m in JaasUser().Matches(value))
        {
            string user = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[3].Value;
            string password = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[4].Value;
            security.PlainUsers[user] = password;
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
