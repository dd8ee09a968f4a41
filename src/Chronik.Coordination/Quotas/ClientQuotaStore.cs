using System.Text.Json;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Quotas;

/// <summary>
/// Client quotas (user / client-id entities, default entities included) as AlterClientQuotas and
/// DescribeClientQuotas see them, on the metadata store as one ClientQuotaRecord per changed key (a request's changes
/// in one batch), rebuilt by replay (a client-quotas.json of the JSON era is imported once). Every change publishes a
/// new <see cref="QuotaSnapshot"/> for the request path. Validation and filter rules follow Kafka's controller
/// (ClientQuotaControlManager) and ClientQuotasImage. The table is immutable once published: <see cref="Apply"/>
/// (which takes no lock, as it may run on another broker's batch while an <see cref="Alter"/> here holds this
/// broker's writer lock across its append) publishes a copy; Describe reads the published one without a lock.
/// Concurrent alterations from two brokers apply key by key in log order.
/// </summary>
public sealed class ClientQuotaStore : IMetadataParticipant
{
    public const string LegacyFileName = "client-quotas.json";

    private readonly object _lock = new();
    private readonly IMetadataStore _store;
    private volatile Dictionary<QuotaEntity, SortedDictionary<string, double>> _quotas = [];
    private volatile QuotaSnapshot _snapshot = QuotaSnapshot.Empty;
    private volatile MetadataRecord[] _snapshotRecords = [];
    private bool _replayedAny;

    /// <param name="store">The metadata store this holder replays from and appends to.</param>
    /// <param name="legacyDataDir">The data directory whose client-quotas.json is imported once; null for none.</param>
    public ClientQuotaStore(IMetadataStore store, string? legacyDataDir = null)
    {
        _store = store;
        store.Register(this);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _replayedAny, ReadLegacy);
    }

    /// <summary>The quotas in effect, read without a lock.</summary>
    public QuotaSnapshot Snapshot => _snapshot;

    public DescribeClientQuotasResponse Describe(DescribeClientQuotasRequest request)
    {
        var exact = new Dictionary<string, string?>(StringComparer.Ordinal);
        var specified = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in request.Components)
        {
            string? error = null;
            var code = ErrorCode.InvalidRequest;
            if (c.EntityType.Length == 0) error = "Invalid empty entity type.";
            else if (exact.ContainsKey(c.EntityType) || specified.Contains(c.EntityType)) error = $"Entity type {c.EntityType} cannot appear more than once in the filter.";
            else if (c.EntityType is not (QuotaEntity.UserType or QuotaEntity.ClientIdType or QuotaEntity.IpType))
            {
                error = "Unsupported entity type " + c.EntityType;
                code = ErrorCode.UnsupportedVersion;
            }
            else if (c.MatchType == 0 && c.Match is null) error = "Request specified MATCH_TYPE_EXACT, but set match string to null.";
            else if (c.MatchType == 1 && c.Match is not null) error = "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.";
            else if (c.MatchType == 2 && c.Match is not null) error = "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.";
            else if (c.MatchType is < 0 or > 2) error = "Unknown match type " + c.MatchType;
            if (error is not null) return DescribeError(code, error);
            if (c.MatchType == 2) specified.Add(c.EntityType);
            else exact[c.EntityType] = c.MatchType == 0 ? c.Match : null;
        }
        bool ip = exact.ContainsKey(QuotaEntity.IpType) || specified.Contains(QuotaEntity.IpType);
        if (ip && exact.Count + specified.Count > 1)
        {
            return DescribeError(ErrorCode.InvalidRequest, "Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.");
        }
        var response = new DescribeClientQuotasResponse { ErrorMessage = null };
        foreach (var (entity, values) in _quotas.OrderBy(e => e.Key.ToString(), StringComparer.Ordinal))
        {
            if (!Matches(entity, exact, specified, request.Strict)) continue;
            var entry = new DescribeClientQuotasResponse.EntryData();
            foreach (var (type, name) in entity.Components()) entry.Entity.Add(new DescribeClientQuotasResponse.EntityData { EntityType = type, EntityName = name });
            foreach (var (key, value) in values) entry.Values.Add(new DescribeClientQuotasResponse.ValueData { Key = key, Value = value });
            response.Entries!.Add(entry);
        }
        return response;
    }

    private static DescribeClientQuotasResponse DescribeError(ErrorCode code, string message) =>
        new() { ErrorCode = (short)code, ErrorMessage = message, Entries = null };

    private static bool Matches(QuotaEntity entity, Dictionary<string, string?> exact, HashSet<string> specified, bool strict)
    {
        int size = (entity.HasUser ? 1 : 0) + (entity.HasClientId ? 1 : 0);
        if (strict && size != exact.Count + specified.Count) return false;
        foreach (var (type, name) in exact)
        {
            if (!Has(entity, type, out var actual) || !string.Equals(actual, name, StringComparison.Ordinal)) return false;
        }
        foreach (var type in specified)
        {
            if (!Has(entity, type, out _)) return false;
        }
        return true;
    }

    private static bool Has(QuotaEntity e, string type, out string? name)
    {
        (bool has, name) = type switch
        {
            QuotaEntity.UserType => (e.HasUser, e.User),
            QuotaEntity.ClientIdType => (e.HasClientId, e.ClientId),
            _ => (false, null),
        };
        return has;
    }

    /// <summary>Applies (or with validate_only only checks) each entity's changes; an invalid entity fails alone, as in Kafka.</summary>
    public AlterClientQuotasResponse Alter(AlterClientQuotasRequest request)
    {
        var response = new AlterClientQuotasResponse();
        lock (_lock)
        {
            var seen = new HashSet<QuotaEntity>();
            var changes = new List<MetadataRecord>();
            foreach (var entry in request.Entries)
            {
                var result = new AlterClientQuotasResponse.EntryData { ErrorMessage = null };
                foreach (var c in entry.Entity) result.Entity.Add(new AlterClientQuotasResponse.EntityData { EntityType = c.EntityType, EntityName = c.EntityName });
                response.Entries.Add(result);
                var (error, entity) = ParseEntity(entry.Entity);
                error ??= ValidateOps(entry, entity, seen);
                if (error is not null)
                {
                    result.ErrorCode = (short)ErrorCode.InvalidRequest;
                    result.ErrorMessage = error;
                    continue;
                }
                seen.Add(entity);
                if (!request.ValidateOnly) Changes(entity, entry.Ops, changes);
            }
            if (changes.Count > 0) _store.Append(changes);
        }
        return response;
    }

    private static (string? Error, QuotaEntity Entity) ParseEntity(List<AlterClientQuotasRequest.EntityData> components)
    {
        if (components.Count == 0) return ("Invalid empty client quota entity", default);
        bool hasUser = false, hasClient = false, hasIp = false;
        string? user = null, client = null;
        foreach (var c in components)
        {
            bool dup = c.EntityType switch
            {
                QuotaEntity.UserType => hasUser,
                QuotaEntity.ClientIdType => hasClient,
                QuotaEntity.IpType => hasIp,
                _ => false,
            };
            if (dup) return ("Invalid client quota entity, duplicate entity entry " + c.EntityType, default);
            switch (c.EntityType)
            {
                case QuotaEntity.UserType: hasUser = true; user = c.EntityName; break;
                case QuotaEntity.ClientIdType: hasClient = true; client = c.EntityName; break;
                case QuotaEntity.IpType: hasIp = true; break;
                default: return ("Unhandled client quota entity type: " + c.EntityType, default);
            }
            if (c.EntityName is { Length: 0 }) return ($"Empty {c.EntityType} not supported", default);
        }
        if (hasIp && (hasUser || hasClient)) return ("Invalid quota entity combination, IP entity should not be combined with User or ClientId", default);
        // Kafka's connection_creation_rate (ip entities) throttles connection accepts, which this broker does not do.
        if (hasIp) return ("IP connection rate quotas are not supported by this broker", default);
        return (null, new QuotaEntity(hasUser, user, hasClient, client));
    }

    private static string? ValidateOps(AlterClientQuotasRequest.EntryData entry, QuotaEntity entity, HashSet<QuotaEntity> seen)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in entry.Ops)
        {
            if (!keys.Add(op.Key)) return $"Duplicate quota key {op.Key} not updating quota for this entity {entity}";
        }
        if (seen.Contains(entity)) return "Ignoring duplicate entity " + entity;
        foreach (var op in entry.Ops)
        {
            // Kafka skips validation of removals (removing an unknown key is a no-op).
            if (!op.Remove && QuotaKeys.Validate(op.Key, op.Value) is { } error) return error;
        }
        return null;
    }

    /// <summary>The records of the ops that change something (removing an absent key or setting the same value does not).</summary>
    private void Changes(QuotaEntity entity, List<AlterClientQuotasRequest.OpData> ops, List<MetadataRecord> changes)
    {
        _quotas.TryGetValue(entity, out var values);
        foreach (var op in ops)
        {
            bool change = op.Remove
                ? values is not null && values.ContainsKey(op.Key)
                : values is null || !values.TryGetValue(op.Key, out var old) || old != op.Value;
            if (change) changes.Add(ToRecord(entity, op.Key, op.Value, op.Remove));
        }
    }

    public bool Owns(short recordType) => recordType == MetadataRecordTypes.ClientQuotaRecord;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) return;
        _replayedAny = true;
        var quotas = new Dictionary<QuotaEntity, SortedDictionary<string, double>>(_quotas);
        var copied = new HashSet<QuotaEntity>();
        foreach (var r in records)
        {
            if (r.Message is not ClientQuotaRecord q) continue;
            var entity = EntityOf(q.Entity.Select(c => (c.EntityType, c.EntityName)));
            if (quotas.TryGetValue(entity, out var values) && copied.Add(entity)) quotas[entity] = values = new(values, StringComparer.Ordinal);
            if (q.Remove)
            {
                if (values is not null && values.Remove(q.Key) && values.Count == 0) quotas.Remove(entity);
                continue;
            }
            if (values is null)
            {
                quotas[entity] = values = new SortedDictionary<string, double>(StringComparer.Ordinal);
                copied.Add(entity);
            }
            values[q.Key] = q.Value;
        }
        _quotas = quotas;
        Publish(quotas);
        _snapshotRecords = quotas.SelectMany(e => e.Value.Select(v => ToRecord(e.Key, v.Key, v.Value, remove: false))).ToArray();
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() => _snapshotRecords;

    private static QuotaEntity EntityOf(IEnumerable<(string Type, string? Name)> components)
    {
        bool hasUser = false, hasClient = false;
        string? user = null, client = null;
        foreach (var (type, name) in components)
        {
            if (type == QuotaEntity.UserType) (hasUser, user) = (true, name);
            else if (type == QuotaEntity.ClientIdType) (hasClient, client) = (true, name);
        }
        return new QuotaEntity(hasUser, user, hasClient, client);
    }

    private static MetadataRecord ToRecord(QuotaEntity entity, string key, double value, bool remove) => MetadataRecord.Of(new ClientQuotaRecord
    {
        Entity = entity.Components().Select(c => new ClientQuotaRecord.EntityData { EntityType = c.Type, EntityName = c.Name }).ToList(),
        Key = key,
        Value = remove ? 0 : value,
        Remove = remove,
    });

    private void Publish(Dictionary<QuotaEntity, SortedDictionary<string, double>> quotas)
    {
        var byKey = new Dictionary<string, Dictionary<QuotaEntity, double>>(StringComparer.Ordinal);
        foreach (var (entity, values) in quotas)
        {
            foreach (var (key, value) in values)
            {
                if (!byKey.TryGetValue(key, out var table)) byKey[key] = table = [];
                table[entity] = value;
            }
        }
        _snapshot = new QuotaSnapshot(byKey);
    }

    /// <summary>An entity's quotas as client-quotas.json held them (the format before the metadata store; read at migration only).</summary>
    private sealed record PersistedComponent(string Type, string? Name);

    private sealed record PersistedQuota(List<PersistedComponent> Entity, SortedDictionary<string, double> Values);

    private static IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var list = JsonSerializer.Deserialize<List<PersistedQuota>>(File.ReadAllBytes(file)) ?? [];
        return list.SelectMany(q => q.Values.Select(v => ToRecord(EntityOf(q.Entity.Select(c => (c.Type, c.Name))), v.Key, v.Value, remove: false))).ToList();
    }
}
