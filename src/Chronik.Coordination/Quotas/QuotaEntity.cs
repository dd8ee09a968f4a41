namespace Chronik.Coordination.Quotas;

/// <summary>
/// A client quota entity: a user, a client id, or both (Kafka's /config/users/&lt;user&gt;/clients/&lt;client-id&gt;).
/// A component that is present with a null name is the default entity for that type.
/// </summary>
public readonly record struct QuotaEntity(bool HasUser, string? User, bool HasClientId, string? ClientId)
{
    public const string UserType = "user";
    public const string ClientIdType = "client-id";
    public const string IpType = "ip";

    public static QuotaEntity ForUser(string? user) => new(true, user, false, null);
    public static QuotaEntity ForClient(string? clientId) => new(false, null, true, clientId);
    public static QuotaEntity ForUserClient(string? user, string? clientId) => new(true, user, true, clientId);

    /// <summary>The entity's components in a stable order (user first), as (type, name) pairs.</summary>
    public IEnumerable<(string Type, string? Name)> Components()
    {
        if (HasUser) yield return (UserType, User);
        if (HasClientId) yield return (ClientIdType, ClientId);
    }

    public override string ToString() =>
        "ClientQuotaEntity(entries={" + string.Join(", ", Components().Select(c => c.Type + "=" + (c.Name ?? "null"))) + "})";
}

/// <summary>The client quota keys this broker accepts for user/client-id entities, and how their values are validated.</summary>
public static class QuotaKeys
{
    public const string ProducerByteRate = "producer_byte_rate";
    public const string ConsumerByteRate = "consumer_byte_rate";
    public const string RequestPercentage = "request_percentage";

    /// <summary>True when the key is known; <paramref name="integral"/> tells whether Kafka types it LONG (else DOUBLE).</summary>
    public static bool TryGet(string key, out bool integral)
    {
        integral = key is ProducerByteRate or ConsumerByteRate;
        return key is ProducerByteRate or ConsumerByteRate or RequestPercentage;
    }

    /// <summary>Null when the value is acceptable for the key, else Kafka's INVALID_REQUEST message.</summary>
    public static string? Validate(string key, double value)
    {
        if (!TryGet(key, out bool integral)) return "Invalid configuration key " + key;
        if (double.IsNaN(value) || value <= 0.0) return "Quota " + key + " must be greater than 0";
        if (!integral) return double.IsInfinity(value) ? "Proposed value for " + key + " is too large for a DOUBLE." : null;
        if (value > long.MaxValue) return "Proposed value for " + key + " is too large for a LONG.";
        if (Math.Abs(value % 1.0) > 1e-6) return key + " cannot be a fractional value.";
        return null;
    }
}
