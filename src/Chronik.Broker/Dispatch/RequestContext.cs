using Chronik.Broker.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Dispatch;

/// <summary>What a handler knows about the request beyond its body: header, peer, and resources to release after the response is written.</summary>
public sealed class RequestContext
{
    private List<IDisposable>? _resources;

    public RequestContext(RequestHeader header, string remoteEndPoint, ConnectionSession? session = null)
    {
        Header = header;
        RemoteEndPoint = remoteEndPoint;
        Session = session ?? new ConnectionSession(requiresSasl: false);
    }

    public RequestHeader Header { get; }
    public short ApiKey => Header.RequestApiKey;
    public short ApiVersion => Header.RequestApiVersion;
    public int CorrelationId => Header.CorrelationId;
    public string? ClientId => Header.ClientId;
    public string RemoteEndPoint { get; }
    /// <summary>The connection's security state (SASL progress, principal).</summary>
    public ConnectionSession Session { get; }
    /// <summary>The Kafka principal of the connection, "User:name" ("User:ANONYMOUS" without SASL or a client certificate).</summary>
    public string Principal => Session.Principal;

    /// <summary>Size of the request frame (without its 4-byte length), as Kafka's request.sizeInBytes.</summary>
    public int RequestBytes { get; internal set; }

    /// <summary>Stopwatch ticks the request's synchronous handling took (parse and handler up to its first wait), for request quotas.</summary>
    internal long ThreadTicks { get; set; }

    /// <summary>The connection's mute state, when the request came over a connection.</summary>
    internal ChannelThrottle? Channel { get; set; }

    /// <summary>Mutes the connection for a quota throttle: it reads no further request until the time has passed.</summary>
    public void ThrottleChannel(int throttleMs) => Channel?.Mute(throttleMs);

    /// <summary>The peer's IP address as Kafka's ACL host matching sees it ("127.0.0.1"); computed on first use.</summary>
    public string ClientAddress => _clientAddress ??= ClientHost.Format(RemoteEndPoint)[1..];

    private string? _clientAddress;

    /// <summary>Keeps a buffer (e.g. fetched log bytes referenced by the response) alive until the response is on the wire.</summary>
    public void RegisterForDispose(IDisposable resource) => (_resources ??= []).Add(resource);

    internal void ReleaseResources()
    {
        if (_resources is null) return;
        foreach (var r in _resources) r.Dispose();
        _resources = null;
    }
}
