using Chronik.Broker.Security;

namespace Chronik.Broker.Configuration;

/// <summary>
/// <c>listeners</c> and <c>advertised.listeners</c> with several entries, as Kafka reads them: the first listener goes
/// into the fields the flags also set (bind address, port, advertised host and port, <see cref="BrokerOptions.Security"/>),
/// the others into <see cref="BrokerOptions.AdditionalListeners"/>, each starting from the broker-wide security keys
/// and then taking its own <c>listener.name.NAME.*</c> keys.
/// </summary>
public static class ListenerProperties
{
    public static string FormatListeners(BrokerOptions o) =>
        string.Join(',', o.Listeners.Select(l => ListenerAddress.Format(l.Name, l.BindAddress, l.Port)));

    public static string FormatAdvertised(BrokerOptions o) =>
        string.Join(',', o.Listeners.Select(l => ListenerAddress.Format(l.Name, l.AdvertisedHost, l.EffectiveAdvertisedPort)));

    internal static void ApplyControllerNames(ServerSettings settings, string value)
    {
        settings.ControllerListenerNames.Clear();
        foreach (string name in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            settings.ControllerListenerNames.Add(name.ToUpperInvariant());
        }
    }

    /// <summary>
    /// Every entry whose name has a security protocol (its own, or from listener.security.protocol.map) is served; the
    /// others (e.g. a KRaft CONTROLLER listener) are warned about and ignored. Names must differ.
    /// </summary>
    internal static void ApplyListeners(ServerSettings settings, string value)
    {
        var served = new List<(ListenerAddress Address, SecurityProtocol Protocol)>();
        foreach (string entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            ListenerAddress listener = ListenerAddress.Parse(entry);
            if (settings.ControllerListenerNames.Contains(listener.Name))
            {
                settings.Warnings.Add($"listeners: {listener.Name} is a controller listener (controller.listener.names) and this broker runs no KRaft controller; ignoring '{entry}'");
                continue;
            }
            if (SecurityProperties.ProtocolOf(settings, listener.Name) is not { } protocol)
            {
                settings.Warnings.Add($"listeners: {listener.Name} has no security protocol (not in listener.security.protocol.map); ignoring '{entry}'");
                continue;
            }
            if (served.Exists(s => s.Address.Name == listener.Name))
            {
                throw new ConfigValueException($"listeners with different names ({listener.Name} appears twice)");
            }
            served.Add((listener, protocol));
        }
        if (served.Count == 0)
        {
            throw new ConfigValueException("a listener list with a NAME://host:port entry whose NAME is PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or mapped in listener.security.protocol.map");
        }
        var (first, firstProtocol) = served[0];
        settings.Options.BindAddress = BindOf(first);
        settings.Options.KafkaPort = first.Port;
        settings.Options.Security.Protocol = firstProtocol;
        settings.ListenerName = first.Name;
        settings.PendingListeners = served.Skip(1).ToList();
    }

    /// <summary>Each entry names the listener it is advertised for; the first listener's goes into the advertised host and port.</summary>
    internal static void ApplyAdvertisedListeners(ServerSettings settings, string value)
    {
        foreach (string entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            ListenerAddress advertised = ListenerAddress.Parse(entry);
            bool known = advertised.Name == settings.ListenerName
                || settings.PendingListeners?.Exists(p => p.Address.Name == advertised.Name) == true;
            if (!known || !settings.AdvertisedListeners.TryAdd(advertised.Name, advertised))
            {
                settings.Warnings.Add(known
                    ? $"advertised.listeners: {advertised.Name} is advertised twice; ignoring '{entry}'"
                    : $"advertised.listeners: no listener is named {advertised.Name}; ignoring '{entry}'");
                continue;
            }
            if (advertised.Name != settings.ListenerName) continue;
            if (advertised.Host.Length > 0)
            {
                settings.Options.AdvertisedHost = advertised.Host;
                settings.AdvertisedHostSet = true;
            }
            settings.Options.AdvertisedPort = advertised.Port;
        }
    }

    /// <summary>
    /// Makes the listeners after the first, once the broker-wide security keys are in: each copies them with its own
    /// protocol (its listener.name.NAME.* keys are applied next). Without a <c>listeners</c> key, nothing changes.
    /// </summary>
    internal static void AddPendingListeners(ServerSettings settings)
    {
        if (settings.PendingListeners is not { } pending) return;
        var options = settings.Options;
        options.AdditionalListeners.Clear();
        foreach (var (address, protocol) in pending)
        {
            bool hasAdvertised = settings.AdvertisedListeners.TryGetValue(address.Name, out var advertised);
            string bind = BindOf(address);
            options.AdditionalListeners.Add(new BrokerListener
            {
                Name = address.Name,
                BindAddress = bind,
                Port = address.Port,
                AdvertisedHost = hasAdvertised && advertised.Host.Length > 0 ? advertised.Host : IsWildcard(bind) ? System.Net.Dns.GetHostName() : bind,
                AdvertisedPort = hasAdvertised ? advertised.Port : null,
                Security = options.Security.CopyAs(protocol),
            });
        }
        settings.PendingListeners = null;
    }

    /// <summary>Problems across the listeners once flags are applied: a shared port, a missing keystore or mechanism list.</summary>
    internal static void Check(ServerSettings settings, List<string> errors)
    {
        var listeners = settings.Options.Listeners;
        foreach (var group in listeners.GroupBy(l => l.Port).Where(g => g.Count() > 1))
        {
            errors.Add($"'listeners': each listener needs its own port ({group.Key} is used by {string.Join(" and ", group.Select(l => l.Name))})");
        }
        for (int i = 0; i < listeners.Count; i++)
        {
            var l = listeners[i];
            var security = l.Security;
            // The first listener's messages stay as they were with one listener; the others name theirs.
            string which = i == 0 ? $"a {ListenerSecurityOptions.ProtocolName(security.Protocol)} listener" : $"listener {l.Name} ({ListenerSecurityOptions.ProtocolName(security.Protocol)})";
            string key = i == 0 ? "'ssl.keystore.location'" : $"'ssl.keystore.location' or 'listener.name.{l.Name.ToLowerInvariant()}.ssl.keystore.location'";
            if (security.UsesTls && security.KeystoreLocation is null)
            {
                errors.Add($"'listeners': {which} needs {key}");
            }
            else if (security.KeystoreLocation is { } path && security.UsesTls && !File.Exists(path))
            {
                errors.Add($"'ssl.keystore.location': file '{path}' does not exist");
            }
            if (security.UsesSasl && security.SaslEnabledMechanisms.Count == 0)
            {
                errors.Add($"'sasl.enabled.mechanisms': {which} needs at least one mechanism");
            }
            if (i > 0 && IsWildcard(l.AdvertisedHost))
            {
                errors.Add($"'advertised.listeners': listener {l.Name} advertises the wildcard address '{l.AdvertisedHost}', which clients cannot connect to");
            }
        }
    }

    internal static bool IsWildcard(string host) => host is "" or "0.0.0.0" or "::" or "[::]";

    private static string BindOf(ListenerAddress listener) => listener.Host.Length == 0 ? "0.0.0.0" : listener.Host;
}
