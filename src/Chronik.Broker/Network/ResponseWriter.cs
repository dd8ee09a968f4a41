using System.Buffers;
using System.Diagnostics;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Metrics;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Network;

/// <summary>
/// The write side of a request: applies the request quota to the answer, frames it (size, response header, body)
/// into the connection's output, and once it is written or dropped returns the request's pooled frame, releases
/// its resources and records its metrics.
/// </summary>
public sealed class ResponseWriter
{
    private readonly BrokerMetrics _metrics;
    private readonly ClientQuotas _quotas;

    public ResponseWriter(BrokerMetrics metrics, ClientQuotas quotas)
    {
        _metrics = metrics;
        _quotas = quotas;
    }

    /// <summary>Applies the request quota, then writes the answer unless there is none or the connection is broken; returns the bytes written.</summary>
    public int Write(IBufferWriter<byte> output, IKafkaMessage? response, in PendingResponse p, bool broken)
    {
        ApplyRequestQuota(p, response);
        return response is null || broken ? 0 : Frame(output, response, p);
    }

    /// <summary>Writes size, response header and body into the output; returns the bytes written.</summary>
    public static int Frame(IBufferWriter<byte> output, IKafkaMessage response, in PendingResponse p)
    {
        int headerSize = p.HeaderVersion switch { < 0 => 0, 0 => 4, _ => 5 };
        int bodySize = response.ComputeSize(p.ResponseVersion);
        int total = 4 + headerSize + bodySize;
        var span = output.GetSpan(total)[..total];
        var w = new KafkaWriter(span);
        w.WriteInt32(headerSize + bodySize);
        if (p.HeaderVersion >= 0) w.WriteInt32(p.Context.CorrelationId);
        if (p.HeaderVersion >= 1) w.WriteUnsignedVarInt(0);
        response.Write(ref w, p.ResponseVersion);
        if (w.Position != total) throw new InvalidOperationException($"{response.GetType().Name} v{p.ResponseVersion}: wrote {w.Position}, computed {total}");
        output.Advance(total);
        return total;
    }

    /// <summary>
    /// request_percentage quotas (Kafka's request quota): counts the request's thread time for its (user, client-id)
    /// and, past the quota, raises the response's throttle_time_ms and mutes the connection (KIP-219). Requests
    /// before SASL authentication completes and ApiVersions (whose answer is shared) are not counted.
    /// </summary>
    private void ApplyRequestQuota(in PendingResponse p, IKafkaMessage? response)
    {
        if (!_quotas.Snapshot.HasRequestQuotas || p.HeaderVersion < 0) return;
        var context = p.Context;
        if (context.ApiKey == (short)ApiKey.ApiVersions || context.Session is { RequiresSasl: true, Authenticated: false }) return;
        int throttleMs = _quotas.RecordRequestTime(context, context.ThreadTicks);
        if (throttleMs <= 0) return;
        if (response is IThrottledResponse throttled && throttled.ThrottleTimeMs < throttleMs) throttled.ThrottleTimeMs = throttleMs;
        context.ThrottleChannel(throttleMs);
    }

    public void Completed(in PendingResponse p, int bytesOut)
    {
        if (p.RentedFrame is { } rented) ArrayPool<byte>.Shared.Return(rented);
        p.Context.ReleaseResources();
        _metrics.RequestCompleted(p.Context.ApiKey, Stopwatch.GetElapsedTime(p.StartTimestamp).TotalMilliseconds, p.FrameLength + 4, bytesOut);
    }
}
