using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading.Channels;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Metrics;
using Chronik.Broker.Security;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Network;

/// <summary>
/// One Kafka client connection over Kestrel's pipes. The read loop starts handlers in request order (so their
/// synchronous parts, e.g. log appends, run in order); the write loop awaits them in the same order and writes
/// responses, so a connection pipelines requests while durability waits overlap.
/// </summary>
public sealed class KafkaConnectionHandler : ConnectionHandler
{
    private const int MaxInFlightPerConnection = 128;
    private const int LargeFrameBytes = 256 * 1024;
    private readonly RequestDispatcher _dispatcher;
    private readonly ResponseWriter _responses;
    private readonly BrokerOptions _options;
    private readonly BrokerMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<KafkaConnectionHandler> _logger;

    public KafkaConnectionHandler(RequestDispatcher dispatcher, ResponseWriter responses, BrokerOptions options, BrokerMetrics metrics,
        IHostApplicationLifetime lifetime, ILogger<KafkaConnectionHandler> logger)
    {
        _dispatcher = dispatcher;
        _responses = responses;
        _options = options;
        _metrics = metrics;
        _lifetime = lifetime;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        string remote = connection.RemoteEndPoint?.ToString() ?? "unknown";
        _metrics.ConnectionOpened();
        try
        {
            if (_metrics.OpenConnections > _options.MaxConnections)
            {
                ConnectionLog.Refused(_logger, remote, _options.MaxConnections);
                return;
            }
            await ServeAsync(connection, remote).ConfigureAwait(false);
        }
        finally
        {
            _metrics.ConnectionClosed();
        }
    }

    private async Task ServeAsync(ConnectionContext connection, string remote)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var ct = connection.ConnectionClosed;
        // The listener the connection came in on (set by ListenChronikBroker) decides SASL and what Metadata advertises.
        var session = new ConnectionSession(connection.Features.Get<BrokerListener>() ?? _options.Listeners[0], TlsPrincipal(connection));
        var pending = Channel.CreateBounded<PendingResponse>(new BoundedChannelOptions(MaxInFlightPerConnection) { SingleReader = true, SingleWriter = true });
        var budget = new InFlightBudget(_options.SocketRequestMaxBytes);
        var writer = WriteResponsesAsync(pending.Reader, output, remote, connection, budget);
        // Graceful shutdown: stop reading new requests, let in-flight ones finish and be answered.
        using var stopping = _lifetime.ApplicationStopping.Register(() => input.CancelPendingRead());
        // A frame larger than LargeFrameBytes is assembled straight into its pooled array, so the pipe never
        // has to buffer a whole large request (Kestrel pauses the socket at MaxReadBufferSize, 1 MiB).
        byte[]? partial = null;
        var channel = new ChannelThrottle(ct, _lifetime.ApplicationStopping);
        int partialLength = 0, partialFilled = 0;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    if (partial is not null)
                    {
                        partial = Fill(partial, ref partialFilled, partialLength, ref buffer);
                        if (partialFilled == partialLength)
                        {
                            var whole = partial;
                            partial = null;
                            if (channel.IsMuted) await channel.WaitAsync().ConfigureAwait(false);
                            await StartAsync(new Frame(default, whole, partialLength, BytesHeld: true), session, remote, channel, budget, pending.Writer, ct).ConfigureAwait(false);
                        }
                    }
                    while (partial is null)
                    {
                        // A quota-throttled connection processes nothing more until its throttle time has passed.
                        if (channel.IsMuted) await channel.WaitAsync().ConfigureAwait(false);
                        if (FrameReader.TryReadFrame(ref buffer, _options.SocketRequestMaxBytes, out var frame))
                        {
                            await StartAsync(new Frame(frame, null, (int)frame.Length, BytesHeld: false), session, remote, channel, budget, pending.Writer, ct).ConfigureAwait(false);
                            continue;
                        }
                        if (FrameReader.PeekSize(buffer) is { } size && size > LargeFrameBytes)
                        {
                            // The array grows with the bytes that arrive: a size prefix alone commits no memory.
                            await budget.AcquireAsync(size, fetch: false, ct).ConfigureAwait(false);
                            buffer = buffer.Slice(4);
                            partial = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, Math.Max(buffer.Length, 2 * LargeFrameBytes)));
                            partialLength = size;
                            partialFilled = 0;
                            partial = Fill(partial, ref partialFilled, partialLength, ref buffer);
                        }
                        break;
                    }
                    if (result.IsCompleted || result.IsCanceled) break;
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (KafkaProtocolException e)
        {
            ConnectionLog.BadInput(_logger, remote, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException || ConnectionLog.IsDisconnect(e, ct))
        {
            // The client went away, or the broker is stopping: nobody to answer.
            ConnectionLog.Disconnected(_logger, remote, e.GetType().Name);
        }
        catch (Exception e)
        {
            ConnectionLog.ConnectionFault(_logger, remote, e);
        }
        finally
        {
            if (partial is not null) ArrayPool<byte>.Shared.Return(partial);
            pending.Writer.TryComplete();
            await writer.ConfigureAwait(false);
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteResponsesAsync(ChannelReader<PendingResponse> pending, PipeWriter output, string remote, ConnectionContext connection,
        InFlightBudget budget)
    {
        bool broken = false, closing = false;
        try
        {
            while (await pending.WaitToReadAsync().ConfigureAwait(false))
            {
                while (pending.TryRead(out var p))
                {
                    IKafkaMessage? response = null;
                    int written = 0;
                    try
                    {
                        response = await p.Response.ConfigureAwait(false);
                        written = _responses.Write(output, response, p, broken);
                    }
                    catch (Exception e) when (ConnectionLog.IsDisconnect(e, connection.ConnectionClosed))
                    {
                        // A client that hangs up during a long poll cancels it: that is its choice, not a fault.
                        ConnectionLog.RequestAbandoned(_logger, p.Context.CorrelationId, BrokerMetrics.ApiName(p.Context.ApiKey), p.ResponseVersion, remote);
                        broken = true;
                    }
                    catch (KafkaProtocolException e)
                    {
                        ConnectionLog.BadRequest(_logger, p.Context.CorrelationId, BrokerMetrics.ApiName(p.Context.ApiKey), p.ResponseVersion, remote, e.Message);
                        broken = true;
                    }
                    catch (Exception e)
                    {
                        ConnectionLog.RequestFault(_logger, p.Context.CorrelationId, BrokerMetrics.ApiName(p.Context.ApiKey), p.ResponseVersion, remote, e);
                        broken = true;
                    }
                    finally
                    {
                        Complete(p, written, budget);
                    }
                    if (broken) break;
                    if (p.Context.Session.CloseAfterResponse)
                    {
                        // Failed authentication: the answer goes out, then the connection closes (Kafka does the same).
                        await output.FlushAsync().ConfigureAwait(false);
                        closing = true;
                        break;
                    }
                    // Flush when nothing ready is queued behind this response, so pipelined responses share one write.
                    if (written > 0 && (!pending.TryPeek(out var next) || !next.Response.IsCompleted))
                    {
                        var flush = await output.FlushAsync().ConfigureAwait(false);
                        if (flush.IsCompleted || flush.IsCanceled) broken = true;
                    }
                }
                if (broken || closing) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or InvalidOperationException)
        {
            broken = true;
        }
        finally
        {
            // A broken write side aborts the connection, which also ends the read loop.
            if (broken) connection.Abort();
            // Drain what is left so pooled buffers go back and handlers finish.
            while (pending.TryRead(out var rest))
            {
                try { await rest.Response.ConfigureAwait(false); } catch (Exception e) when (e is not OutOfMemoryException) { }
                Complete(rest, 0, budget);
            }
            // Completing the output sends what is buffered, then the transport shuts the socket down (also after a
            // failed authentication, which ends the read loop too).
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A whole request frame: a slice of the pipe, or (a large one) an assembled pooled array whose bytes the budget already holds.</summary>
    private readonly record struct Frame(ReadOnlySequence<byte> Bytes, byte[]? Assembled, int Length, bool BytesHeld);

    // Waits for the connection's in-flight budget, starts the request and queues it for the write loop.
    private async ValueTask StartAsync(Frame frame, ConnectionSession session, string remote, ChannelThrottle channel, InFlightBudget budget,
        ChannelWriter<PendingResponse> pending, CancellationToken ct)
    {
        bool fetch = !session.RawTokens && ApiKeyOf(frame) == (short)ApiKey.Fetch;
        if (!frame.BytesHeld || fetch) await budget.AcquireAsync(frame.BytesHeld ? 0 : frame.Length, fetch, ct).ConfigureAwait(false);
        PendingResponse p;
        try
        {
            p = frame.Assembled is { } whole
                ? _dispatcher.Dispatch(whole, frame.Length, remote, session, ct, channel)
                : _dispatcher.Dispatch(frame.Bytes, remote, session, ct, channel);
        }
        catch
        {
            budget.Release(frame.Length, fetch);
            throw;
        }
        await EnqueueAsync(pending, p, budget, ct).ConfigureAwait(false);
    }

    private static short ApiKeyOf(in Frame frame)
    {
        Span<byte> key = stackalloc byte[2];
        if (frame.Assembled is { } whole) whole.AsSpan(0, 2).CopyTo(key);
        else frame.Bytes.Slice(0, 2).CopyTo(key);
        return BinaryPrimitives.ReadInt16BigEndian(key);
    }

    // The request is answered (or dropped): its pooled frame goes back and its share of the budget is freed.
    private void Complete(in PendingResponse p, int written, InFlightBudget budget)
    {
        _responses.Completed(p, written);
        budget.Release(p.FrameLength, p.HeaderVersion >= 0 && p.Context.ApiKey == (short)ApiKey.Fetch);
    }

    // Copies what is buffered (up to the frame's end) into the partial frame, doubling its array as needed; returns the array.
    private static byte[] Fill(byte[] partial, ref int filled, int length, ref ReadOnlySequence<byte> buffer)
    {
        while (buffer.Length > 0 && filled < length)
        {
            if (filled == partial.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, 2L * partial.Length));
                partial.AsSpan(0, filled).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(partial);
                partial = bigger;
            }
            int take = (int)Math.Min(buffer.Length, Math.Min(length, partial.Length) - filled);
            buffer.Slice(0, take).CopyTo(partial.AsSpan(filled));
            filled += take;
            buffer = buffer.Slice(take);
        }
        return partial;
    }

    // A request the write loop will never see (the connection closed while the queue was full) is still awaited and
    // completed here, so its pooled frame and read buffers go back.
    private async ValueTask EnqueueAsync(ChannelWriter<PendingResponse> pending, PendingResponse p, InFlightBudget budget, CancellationToken ct)
    {
        if (pending.TryWrite(p)) return;
        try
        {
            await pending.WriteAsync(p, ct).ConfigureAwait(false);
        }
        catch
        {
            try { await p.Response.ConfigureAwait(false); } catch (Exception e) when (e is not OutOfMemoryException) { }
            Complete(p, 0, budget);
            throw;
        }
    }

    // SSL with a client certificate: the principal is its subject's distinguished name, as Kafka's default
    // principal builder gives it (User:CN=name,OU=unit,...). Otherwise ANONYMOUS until SASL says more.
    private static string TlsPrincipal(ConnectionContext connection)
    {
        var tls = connection.Features.Get<ITlsConnectionFeature>();
        if (tls?.ClientCertificate is not { } cert) return ConnectionSession.AnonymousPrincipal;
        string dn = cert.SubjectName.Decode(System.Security.Cryptography.X509Certificates.X500DistinguishedNameFlags.UseCommas);
        return "User:" + dn.Replace(", ", ",", StringComparison.Ordinal);
    }
}
