using Chronik.Broker.Dispatch;
using Chronik.Coordination.Quotas;

namespace Chronik.Broker.Services;

/// <summary>
/// The broker's client quotas: the persisted store (Describe/AlterClientQuotas) and the produce and fetch byte-rate
/// managers, with the clock they measure by. Requests are attributed to (user, client-id), the user being the name of
/// the connection's principal ("User:alice" → "alice"; "ANONYMOUS" without SASL or a client certificate).
/// </summary>
public sealed class ClientQuotas
{
    public const string AnonymousUser = "ANONYMOUS";
    private readonly TimeProvider _time;
    private readonly long _ticksPerMs;
    private readonly int _requestThrottleCapMs;

    public ClientQuotas(ClientQuotaStore store, BrokerOptions options, TimeProvider? time = null)
    {
        Store = store;
        _time = time ?? TimeProvider.System;
        _ticksPerMs = Math.Max(1, _time.TimestampFrequency / 1000);
        long windowMs = options.QuotaWindowSizeSeconds * 1000L;
        Produce = new ClientQuotaManager(store, QuotaKeys.ProducerByteRate, options.QuotaWindowNum, windowMs);
        Fetch = new ClientQuotaManager(store, QuotaKeys.ConsumerByteRate, options.QuotaWindowNum, windowMs);
        Request = new ClientQuotaManager(store, QuotaKeys.RequestPercentage, options.QuotaWindowNum, windowMs);
        _requestThrottleCapMs = (int)Math.Min(int.MaxValue, windowMs);
    }

    public ClientQuotaStore Store { get; }
    public ClientQuotaManager Produce { get; }
    public ClientQuotaManager Fetch { get; }
    public ClientQuotaManager Request { get; }

    /// <summary>The quotas in effect; check HasProducerQuotas / HasConsumerQuotas / HasRequestQuotas before measuring anything.</summary>
    public QuotaSnapshot Snapshot => Store.Snapshot;

    public long NowMs() => _time.GetTimestamp() / _ticksPerMs;

    /// <summary>
    /// request_percentage, as Kafka's ClientRequestQuotaManager: the time a request kept a broker thread busy is
    /// counted as a percentage of one thread-second (100 = one thread all the time), and the throttle time is
    /// bounded by one quota window. Returns the throttle time in ms.
    /// </summary>
    public int RecordRequestTime(RequestContext context, long threadTicks)
    {
        double percent = threadTicks * 100.0 / System.Diagnostics.Stopwatch.Frequency;
        int throttleMs = Request.RecordAndGetThrottleTimeMs(UserOf(context), context.ClientId, percent, NowMs());
        return Math.Min(throttleMs, _requestThrottleCapMs);
    }

    /// <summary>The quota user of a request: its principal's name (only called while quotas are configured).</summary>
    public static string UserOf(RequestContext context)
    {
        string principal = context.Principal;
        if (ReferenceEquals(principal, Security.ConnectionSession.AnonymousPrincipal)) return AnonymousUser;
        // Kafka's principal is "Type:name" (Type is "User" here); quotas use the name.
        int colon = principal.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? principal[(colon + 1)..] : principal;
    }
}
