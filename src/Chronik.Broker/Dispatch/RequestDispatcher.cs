using System.Buffers;
using System.Diagnostics;
using Chronik.Broker.Metrics;
using Chronik.Broker.Security;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Dispatch;

/// <summary>A request being answered: the handler's task plus what is needed to frame its response.</summary>
public readonly record struct PendingResponse(
    ValueTask<IKafkaMessage?> Response, RequestContext Context, short ResponseVersion, short HeaderVersion,
    byte[]? RentedFrame, int FrameLength, long StartTimestamp);

/// <summary>
/// Turns one frame into a started handler call: parses the header and body, picks the handler, logs at debug level.
/// Framing the answer, request quotas and metrics are the connection's <c>Network.ResponseWriter</c>.
/// </summary>
public sealed class RequestDispatcher
{
    private readonly HandlerRegistry _registry;
    private readonly ILogger<RequestDispatcher> _logger;

    public RequestDispatcher(HandlerRegistry registry, ILogger<RequestDispatcher> logger)
    {
        _registry = registry;
        _logger = logger;
    }

    /// <summary>Starts handling a frame. Throws <see cref="KafkaProtocolException"/> when the connection must be closed.</summary>
    public PendingResponse Dispatch(in ReadOnlySequence<byte> frame, string remote, ConnectionSession? session, CancellationToken ct, ChannelThrottle? channel = null)
    {
        int length = (int)frame.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        frame.CopyTo(rented);
        return Dispatch(rented, length, remote, session, ct, channel);
    }

    /// <summary>Starts handling a frame already in a pooled array, whose ownership passes to the pending response.</summary>
    public PendingResponse Dispatch(byte[] rented, int length, string remote, ConnectionSession? session, CancellationToken ct, ChannelThrottle? channel = null)
    {
        long start = Stopwatch.GetTimestamp();
        if (session is { RawTokens: true }) return DispatchRawSaslToken(rented, length, remote, session, start);
        bool decoded = false;
        try
        {
            var reader = new KafkaReader(rented.AsMemory(0, length));
            var peek = reader;
            short apiKey = peek.ReadInt16();
            short version = peek.ReadInt16();
            var handler = _registry.Get(apiKey);
            if (handler is null) KafkaProtocolException.Throw($"unknown API key {apiKey}");
            var header = ApiKeys.ReadRequestHeader(ref reader);
            var context = new RequestContext(header, remote, session) { RequestBytes = length, Channel = channel };
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("API Request: {Api} (key={Key}, v{Version}) from {Remote} [client: {Client}, correlation: {Correlation}]",
                    BrokerMetrics.ApiName(apiKey), apiKey, version, remote, header.ClientId, header.CorrelationId);
            }
            if (session is { RequiresSasl: true })
            {
                if (!session.Authenticated) CheckAllowedBeforeAuthentication(session, apiKey);
                else if (session.IsExpired(start) && apiKey != (short)ApiKey.SaslHandshake && !(apiKey == (short)ApiKey.SaslAuthenticate && session.Authenticator is not null))
                {
                    // KIP-368: a session past its lifetime may only re-authenticate; Kafka closes the connection otherwise.
                    KafkaProtocolException.Throw($"SASL session of {session.Principal} expired without re-authentication");
                }
            }
            if (version < handler.MinVersion || version > handler.MaxVersion)
            {
                if (apiKey == (short)ApiKey.ApiVersions)
                {
                    // A client newer than us: answer v0 with UNSUPPORTED_VERSION and our ranges, so it retries lower.
                    var unsupported = _registry.ApiVersions(ErrorCode.UnsupportedVersion);
                    return new PendingResponse(new ValueTask<IKafkaMessage?>(unsupported), context, 0, 0, rented, length, start);
                }
                KafkaProtocolException.Throw($"{BrokerMetrics.ApiName(apiKey)} v{version} is not supported (v{handler.MinVersion}-{handler.MaxVersion})");
            }
            var request = handler.CreateRequest();
            request.Read(ref reader, version);
            decoded = true;
            var task = handler.HandleAsync(context, request, ct);
            context.ThreadTicks = Stopwatch.GetTimestamp() - start;
            return new PendingResponse(task, context, version, ApiKeys.ResponseHeaderVersion(apiKey, version), rented, length, start);
        }
        // What a decoder throws on bytes it cannot make sense of is the client's fault; the same exception from a handler
        // (after decoding) is the broker's, and keeps its type and stack trace.
        catch (Exception e) when (!decoded && e is not KafkaProtocolException and (IndexOutOfRangeException or ArgumentException or FormatException or OverflowException or InvalidCastException))
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw new KafkaProtocolException("malformed request: " + e.Message, e);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
    }

    // After SaslHandshake v0 a frame is a bare SASL token and the answer is a bare token; a failure closes the
    // connection without an answer (there is no error field to carry it), as Kafka does.
    private static PendingResponse DispatchRawSaslToken(byte[] rented, int length, string remote, ConnectionSession session, long start)
    {
        try
        {
            byte[] reply = session.Authenticator!.Evaluate(rented.AsSpan(0, length));
            if (session.Authenticator.IsComplete) session.CompleteSasl(session.Authenticator.User!);
            var header = new RequestHeader { RequestApiKey = (short)ApiKey.SaslAuthenticate, CorrelationId = -1 };
            return new PendingResponse(new ValueTask<IKafkaMessage?>(new RawSaslToken(reply)), new RequestContext(header, remote, session), 0, -1, rented, length, start);
        }
        catch (SaslAuthenticationException e)
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw new KafkaProtocolException("SASL authentication failed: " + e.Message, e);
        }
    }

    // Before SASL authentication completes only ApiVersions, SaslHandshake and (after a handshake) SaslAuthenticate
    // are served; anything else closes the connection, as Kafka's SaslServerAuthenticator does.
    private static void CheckAllowedBeforeAuthentication(ConnectionSession session, short apiKey)
    {
        bool allowed = apiKey switch
        {
            (short)ApiKey.ApiVersions or (short)ApiKey.SaslHandshake => true,
            (short)ApiKey.SaslAuthenticate => session.Authenticator is not null,
            _ => false,
        };
        if (!allowed) KafkaProtocolException.Throw($"unexpected {BrokerMetrics.ApiName(apiKey)} request during SASL authentication");
    }
}
