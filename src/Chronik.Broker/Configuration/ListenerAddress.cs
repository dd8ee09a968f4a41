namespace Chronik.Broker.Configuration;

/// <summary>One Kafka listener, <c>NAME://host:port</c>; an empty host means every interface.</summary>
public readonly record struct ListenerAddress(string Name, string Host, int Port)
{
    public const string PlainText = "PLAINTEXT";

    public bool IsPlainText => string.Equals(Name, PlainText, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a comma-separated listener list and returns the PLAINTEXT one plus the names of those ignored.</summary>
    public static (ListenerAddress Listener, IReadOnlyList<string> Ignored) ParsePlainText(string value) =>
        ParseFirst(value, name => name == PlainText);

    /// <summary>Parses a comma-separated listener list and returns the first whose name is accepted, plus the others.</summary>
    public static (ListenerAddress Listener, IReadOnlyList<string> Ignored) ParseFirst(string value, Func<string, bool> accept)
    {
        ListenerAddress? chosen = null;
        var ignored = new List<string>();
        foreach (string entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            ListenerAddress listener = Parse(entry);
            if (chosen is null && accept(listener.Name))
            {
                chosen = listener;
            }
            else
            {
                ignored.Add(entry);
            }
        }
        return chosen is { } found
            ? (found, ignored)
            : throw new ConfigValueException("a listener list with a NAME://host:port entry whose NAME is PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or mapped in listener.security.protocol.map");
    }

    public static ListenerAddress Parse(string entry)
    {
        int scheme = entry.IndexOf("://", StringComparison.Ordinal);
        int colon = entry.LastIndexOf(':');
        if (scheme <= 0 || colon <= scheme + 2)
        {
            throw new ConfigValueException("NAME://host:port, e.g. PLAINTEXT://0.0.0.0:9092");
        }
        string host = entry[(scheme + 3)..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        int port = ConfigValues.Port(entry[(colon + 1)..]);
        return new ListenerAddress(entry[..scheme].ToUpperInvariant(), host, port);
    }

    /// <summary>Renders a listener back to Kafka's syntax, bracketing IPv6 hosts.</summary>
    public static string Format(string name, string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"{name}://[{host}]:{port}" : $"{name}://{host}:{port}";
}
