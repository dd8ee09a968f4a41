namespace Chronik.Coordination.Quotas;

/// <summary>Which quota applies to a request: the sensor it is counted in (by user and client-id tags) and its bound, if any.</summary>
public readonly record struct QuotaResolution(string UserTag, string ClientIdTag, double? Bound);

/// <summary>
/// An immutable view of the configured quotas, one table per quota key, published by <see cref="ClientQuotaStore"/>
/// so the request path reads it without a lock. Resolution follows Kafka's default quota callback.
/// </summary>
public sealed class QuotaSnapshot
{
    public static readonly QuotaSnapshot Empty = new(new Dictionary<string, Dictionary<QuotaEntity, double>>());

    private readonly Dictionary<string, Dictionary<QuotaEntity, double>> _byKey;

    public QuotaSnapshot(Dictionary<string, Dictionary<QuotaEntity, double>> byKey)
    {
        _byKey = byKey;
        HasProducerQuotas = byKey.ContainsKey(QuotaKeys.ProducerByteRate);
        HasConsumerQuotas = byKey.ContainsKey(QuotaKeys.ConsumerByteRate);
        HasRequestQuotas = byKey.ContainsKey(QuotaKeys.RequestPercentage);
    }

    /// <summary>Cheap checks for the produce and fetch paths: false means nothing is measured.</summary>
    public bool HasProducerQuotas { get; }
    public bool HasConsumerQuotas { get; }
    public bool HasRequestQuotas { get; }

    public bool HasAny(string key) => _byKey.ContainsKey(key);

    /// <summary>
    /// Resolves a quota key for a (user, client-id), most specific first: user+client, user+default client, user,
    /// default user+client, default user+default client, default user, client, default client. As in Kafka, a quota
    /// defined at a default entity is still counted per actual user/client-id (the tags keep the real names).
    /// </summary>
    public QuotaResolution Resolve(string key, string user, string clientId)
    {
        if (!_byKey.TryGetValue(key, out var q)) return new QuotaResolution("", clientId, null);
        string userTag, clientTag;
        if (q.ContainsKey(QuotaEntity.ForUserClient(user, clientId)) || q.ContainsKey(QuotaEntity.ForUserClient(user, null)))
            (userTag, clientTag) = (user, clientId);
        else if (q.ContainsKey(QuotaEntity.ForUser(user)))
            (userTag, clientTag) = (user, "");
        else if (q.ContainsKey(QuotaEntity.ForUserClient(null, clientId)) || q.ContainsKey(QuotaEntity.ForUserClient(null, null)))
            (userTag, clientTag) = (user, clientId);
        else if (q.ContainsKey(QuotaEntity.ForUser(null)))
            (userTag, clientTag) = (user, "");
        else
            (userTag, clientTag) = ("", clientId);
        return new QuotaResolution(userTag, clientTag, Limit(q, userTag, clientTag));
    }

    private static double? Limit(Dictionary<QuotaEntity, double> q, string user, string clientId)
    {
        if (user.Length > 0 && clientId.Length > 0)
        {
            return Get(q, QuotaEntity.ForUserClient(user, clientId)) ?? Get(q, QuotaEntity.ForUserClient(user, null))
                ?? Get(q, QuotaEntity.ForUserClient(null, clientId)) ?? Get(q, QuotaEntity.ForUserClient(null, null));
        }
        if (user.Length > 0) return Get(q, QuotaEntity.ForUser(user)) ?? Get(q, QuotaEntity.ForUser(null));
        if (clientId.Length > 0) return Get(q, QuotaEntity.ForClient(clientId)) ?? Get(q, QuotaEntity.ForClient(null));
        return null;
    }

    private static double? Get(Dictionary<QuotaEntity, double> q, QuotaEntity e) => q.TryGetValue(e, out var v) ? v : null;
}
