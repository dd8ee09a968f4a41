// SaslAuthenticate (key 36), v0-2. Carries the SASL tokens of the mechanism chosen by SaslHandshake. A failed
// exchange answers SASL_AUTHENTICATION_FAILED with the reason and closes the connection after the answer, as Kafka
// does; success sets the connection's principal (User:name). Re-authentication (KIP-368) is not required:
// session_lifetime_ms is 0. On a non-SASL listener or after authentication: ILLEGAL_SASL_STATE.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Runs one step of the connection's SASL exchange.</summary>
public sealed class SaslAuthenticateHandler : ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>
{
    public override ApiKey Key => ApiKey.SaslAuthenticate;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<SaslAuthenticateResponse?> HandleAsync(RequestContext context, SaslAuthenticateRequest request, CancellationToken cancellationToken)
    {
        var session = context.Session;
        if (!session.RequiresSasl || session.Authenticated || session.Authenticator is not { } authenticator)
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
            if (authenticator.IsComplete) session.CompleteSasl(authenticator.User!);
            return new(new SaslAuthenticateResponse { ErrorMessage = null, AuthBytes = reply });
        }
        catch (SaslAuthenticationException e)
        {
            session.CloseAfterResponse = true;
            return new(new SaslAuthenticateResponse { ErrorCode = (short)ErrorCode.SaslAuthenticationFailed, ErrorMessage = e.Message });
        }
    }
}
