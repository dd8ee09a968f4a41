using Chronik.Broker.Dispatch;
using Chronik.Coordination.Quotas;

namespace Chronik.Broker.Services;

/// <summary>
/// The broker's client quotas: the persisted store (Describe/AlterClientQuotas) and the produce and fetch byte-rate
/// managers, with the clock they measure by. Requests are attributed to (user, client-id); without SASL every
/// connection is Kafka's anonymous principal, "ANONYMOUS".
/// </summary>
public sealed class ClientQuotas
{
    public const string AnonymousUser = "ANONYMOUS";
    private readonly TimeProvider _time;
    private readonly long _ticksPerMs;

    public ClientQuotas(ClientQuotaStore store, BrokerOptions options, TimeProvider? time = null)
    {
        Store = store;
        _time = time ?? TimeProvider.System;
        _ticksPerMs = Math.Max(1, _time.TimestampFrequency / 1000);
        long windowMs = options.QuotaWindowSizeSeconds * 1000L;
        Produce = new ClientQuotaManager(store, QuotaKeys.ProducerByteRate, options.QuotaWindowNum, windowMs);
        Fetch = new ClientQuotaManager(store, QuotaKeys.ConsumerByteRate, options.QuotaWindowNum, windowMs);
    }

    public ClientQuotaStore Store { get; }
    public ClientQuotaManager Produce { get; }
    public ClientQuotaManager Fetch { get; }

    /// <summary>The quotas in effect; check HasProducerQuotas / HasConsumerQuotas before measuring anything.</summary>
    public QuotaSnapshot Snapshot => Store.Snapshot;

    public long NowMs() => _time.GetTimestamp() / _ticksPerMs;

    public static string UserOf(RequestContext context) => AnonymousUser;
}
