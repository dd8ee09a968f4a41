namespace Chronik.Broker.Security;

/// <summary>
/// Per-connection security state: who the client is and where it stands in SASL authentication. Created by the
/// connection handler; read by the dispatcher (which requests are allowed yet) and by handlers (the principal).
/// </summary>
public sealed class ConnectionSession
{
    public const string AnonymousPrincipal = "User:ANONYMOUS";

    public ConnectionSession(bool requiresSasl, string principal = AnonymousPrincipal)
    {
        RequiresSasl = requiresSasl;
        Principal = principal;
    }

    /// <summary>A connection accepted on <paramref name="listener"/>: SASL is required when its protocol says so.</summary>
    public ConnectionSession(BrokerListener listener, string principal = AnonymousPrincipal)
        : this(listener.Security.UsesSasl, principal) => Listener = listener;

    /// <summary>
    /// The listener the connection came in on (its SASL settings, the address Metadata gives its clients); null for a
    /// session made without one (tests over an in-memory transport), which then stands for the first listener.
    /// </summary>
    public BrokerListener? Listener { get; }

    /// <summary>The Kafka principal of this connection, "User:name".</summary>
    public string Principal { get; private set; }

    /// <summary>True on a SASL listener: until <see cref="Authenticated"/>, only ApiVersions and the SASL requests are served.</summary>
    public bool RequiresSasl { get; }
    public bool Authenticated { get; private set; }

    /// <summary>The SASL mechanism of the last handshake (re-authentication must keep it).</summary>
    public string? Mechanism { get; internal set; }

    /// <summary>Stopwatch timestamp after which the session has expired (KIP-368); 0 when it never does.</summary>
    public long ExpiresAt { get; private set; }

    /// <summary>True when the session lifetime has passed: only a SaslHandshake (re-authentication) is accepted.</summary>
    public bool IsExpired(long now) => ExpiresAt != 0 && now >= ExpiresAt;

    /// <summary>The mechanism chosen by SaslHandshake, with its exchange in progress.</summary>
    public ISaslAuthenticator? Authenticator { get; private set; }

    /// <summary>After a SaslHandshake v0: the next frames are bare SASL tokens until authentication completes.</summary>
    public bool RawTokens { get; internal set; }

    /// <summary>Set when the connection must be closed once the current response is written (failed authentication).</summary>
    public bool CloseAfterResponse { get; set; }

    internal void BeginSasl(ISaslAuthenticator authenticator) => Authenticator = authenticator;

    internal void CompleteSasl(string user, long lifetimeMs = 0)
    {
        ExpiresAt = lifetimeMs > 0 ? System.Diagnostics.Stopwatch.GetTimestamp() + lifetimeMs * System.Diagnostics.Stopwatch.Frequency / 1000 : 0;
        Principal = "User:" + user;
        Authenticated = true;
        Authenticator = null;
        RawTokens = false;
    }
}
