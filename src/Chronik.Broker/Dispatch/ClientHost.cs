namespace Chronik.Broker.Dispatch;

/// <summary>How Kafka shows a client's host in group descriptions and ACL checks.</summary>
public static class ClientHost
{
    /// <summary>Kafka shows a member's host as "/address" (Java's InetAddress.toString).</summary>
    public static string Format(string remoteEndPoint)
    {
        string host = remoteEndPoint;
        int colon = host.LastIndexOf(':');
        if (colon > 0 && !host.EndsWith(']')) host = host[..colon];
        host = host.Trim('[', ']');
        if (host.StartsWith("::ffff:", StringComparison.Ordinal)) host = host["::ffff:".Length..];
        return "/" + host;
    }
}
