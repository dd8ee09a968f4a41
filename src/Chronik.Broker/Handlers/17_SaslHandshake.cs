// SaslHandshake (key 17), v0-1 (after v0 the tokens follow as bare frames). Picks the SASL mechanism on a SASL
// listener before authentication; the exchange then
// runs in SaslAuthenticate requests. An unsupported or disabled mechanism gets UNSUPPORTED_SASL_MECHANISM with the
// enabled list, and the connection is closed after the answer, as Kafka does. On a non-SASL listener, or after
// authentication, the answer is ILLEGAL_SASL_STATE. After a v0 handshake the client sends bare size-prefixed SASL
// tokens instead of SaslAuthenticate requests (RequestDispatcher handles those). With connections.max.reauth.ms set,
// an authenticated client may hand-shake again (v1) to re-authenticate (KIP-368) with the same mechanism.
// Mechanisms and PLAIN users are those of the listener the connection came in on (listener.name.NAME.* keys).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Starts a SASL exchange with the requested mechanism.</summary>
public sealed class SaslHandshakeHandler : ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse>
{
    private readonly BrokerOptions _options;
    private readonly IScramCredentialProvider _scram;

    public SaslHandshakeHandler(BrokerOptions options, IScramCredentialProvider scram)
    {
        _options = options;
        _scram = scram;
    }

    public override ApiKey Key => ApiKey.SaslHandshake;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<SaslHandshakeResponse?> HandleAsync(RequestContext context, SaslHandshakeRequest request, CancellationToken cancellationToken)
    {
        var session = context.Session;
        var security = session.Listener?.Security ?? _options.Security;
        var response = new SaslHandshakeResponse();
        bool reauthentication = session.Authenticated && security.ConnectionsMaxReauthMs > 0 && context.ApiVersion >= 1 && session.Authenticator is null;
        if (!reauthentication && (!session.RequiresSasl || session.Authenticated || session.Authenticator is not null))
        {
            response.ErrorCode = (short)ErrorCode.IllegalSaslState;
            if (session.RequiresSasl && !session.Authenticated) session.CloseAfterResponse = true;
            return new(response);
        }
        response.Mechanisms.AddRange(security.SaslEnabledMechanisms);
        string mechanism = request.Mechanism;
        if (!security.SaslEnabledMechanisms.Contains(mechanism) || !SaslMechanisms.IsSupported(mechanism)
            || (reauthentication && mechanism != session.Mechanism))
        {
            response.ErrorCode = (short)ErrorCode.UnsupportedSaslMechanism;
            session.CloseAfterResponse = true;
            return new(response);
        }
        session.RawTokens = context.ApiVersion == 0;
        session.Mechanism = mechanism;
        session.BeginSasl(mechanism == SaslMechanisms.Plain
            ? new PlainAuthenticator(security.PlainUsers)
            : new ScramAuthenticator(mechanism, _scram));
        return new(response);
    }
}
