// SaslAuthenticate (key 36), v0-2. Carries the SASL tokens of the mechanism chosen by SaslHandshake. A failed
// exchange answers SASL_AUTHENTICATION_FAILED with the reason and closes the connection after the answer, as Kafka
// does; success sets the connection's principal (User:name). session_lifetime_ms (v1+) is connections.max.reauth.ms
// (0: no re-authentication needed); a re-authentication (KIP-368) must keep the principal. On a non-SASL listener or
// after authentication without a new handshake: ILLEGAL_SASL_STATE.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Runs one step of the connection's SASL exchange.</summary>
public sealed class SaslAuthenticateHandler : ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>
{
    private readonly BrokerOptions _options;

    public SaslAuthenticateHandler(BrokerOptions options) => _options = options;

    public override ApiKey Key => ApiKey.SaslAuthenticate;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<SaslAuthenticateResponse?> HandleAsync(RequestContext context, SaslAuthenticateRequest request, CancellationToken cancellationToken)
    {
        var session = context.Session;
        if (!session.RequiresSasl || session.Authenticator is not { } authenticator)
        {
            if (session.RequiresSasl && !session.Authenticated) session.CloseAfterResponse = true;
            return new(new SaslAuthenticateResponse
            {
                ErrorCode = (short)ErrorCode.IllegalSaslState,
                ErrorMessage = session.Authenticated || !session.RequiresSasl
                    ? "SaslAuthenticate request received after successful authentication"
                    : "SaslAuthenticate request received before SaslHandshake",
            });
        }
        try
        {
            byte[] reply = authenticator.Evaluate(request.AuthBytes);
            long lifetime = 0;
            if (authenticator.IsComplete)
            {
                if (session.Authenticated && session.Principal != "User:" + authenticator.User)
                {
                    throw new SaslAuthenticationException($"Cannot change principals during re-authentication from {session.Principal} to User:{authenticator.User}");
                }
                lifetime = (session.Listener?.Security ?? _options.Security).ConnectionsMaxReauthMs;
                session.CompleteSasl(authenticator.User!, lifetime);
            }
            return new(new SaslAuthenticateResponse { ErrorMessage = null, AuthBytes = reply, SessionLifetimeMs = lifetime });
        }
        catch (SaslAuthenticationException e)
        {
            session.CloseAfterResponse = true;
            return new(new SaslAuthenticateResponse { ErrorCode = (short)ErrorCode.SaslAuthenticationFailed, ErrorMessage = e.Message });
        }
    }
}
