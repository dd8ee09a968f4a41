using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Metadata;

/// <summary>
/// The ConfigRecords of one resource type (BROKER, GROUP, …): per resource name its keys and values, rebuilt by replay
/// and changed by appending one ConfigRecord per changed key (a null value removes it), all of a change in one batch.
/// Reads are lock-free: the table is replaced whole by <see cref="Apply"/>. Its owner serializes changes.
/// Several tables (and the topic manager) own ConfigRecord; each applies and snapshots only its own resource type.
/// </summary>
public sealed class ConfigResourceTable : IMetadataParticipant
{
    private static readonly Dictionary<string, string> None = new(StringComparer.Ordinal);

    private readonly IMetadataStore _store;
    private readonly sbyte _resourceType;
    private volatile Dictionary<string, Dictionary<string, string>> _resources = new(StringComparer.Ordinal);

    public ConfigResourceTable(IMetadataStore store, sbyte resourceType)
    {
        _store = store;
        _resourceType = resourceType;
        store.Register(this);
    }

    /// <summary>
    /// Raised after a batch of this resource type is published, on the applying thread (this broker's appender, or the
    /// thread applying another broker's batch): a handler must take no lock that is held across an Append.
    /// </summary>
    public event Action? Changed;

    /// <summary>Whether the replay at registration (or a later batch) held any record of this resource type.</summary>
    public bool ReplayedAny { get; private set; }

    /// <summary>Every resource with at least one config; never changed once published.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Resources => _resources;

    /// <summary>The configs of <paramref name="name"/> (empty when none); never changed once published.</summary>
    public IReadOnlyDictionary<string, string> Get(string name) => _resources.GetValueOrDefault(name) ?? None;

    /// <summary>Makes <paramref name="configs"/> the configs of <paramref name="name"/>: appends the changed keys as one batch and returns once applied.</summary>
    public void Set(string name, IReadOnlyDictionary<string, string> configs)
    {
        var current = Get(name);
        var records = new List<MetadataRecord>();
        foreach (var (k, v) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(k, out var old) || old != v) records.Add(Record(_resourceType, name, k, v));
        }
        foreach (var k in current.Keys.Where(k => !configs.ContainsKey(k)).Order(StringComparer.Ordinal)) records.Add(Record(_resourceType, name, k, null));
        if (records.Count > 0) _store.Append(records);
    }

    /// <summary>The records that set every config of <paramref name="configs"/> on <paramref name="name"/> (an import).</summary>
    public static IEnumerable<MetadataRecord> RecordsOf(sbyte resourceType, string name, IReadOnlyDictionary<string, string> configs) =>
        configs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => Record(resourceType, name, c.Key, c.Value));

    public bool Owns(short recordType) => recordType == MetadataRecordTypes.ConfigRecord;

    public bool OwnsRecord(MetadataRecord record) => record.Message is ConfigRecord c && c.ResourceType == _resourceType;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        Dictionary<string, Dictionary<string, string>>? next = null;
        var copied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            if (r.Message is not ConfigRecord c || c.ResourceType != _resourceType) continue;
            next ??= new Dictionary<string, Dictionary<string, string>>(_resources, StringComparer.Ordinal);
            if (copied.Add(c.ResourceName))
            {
                next[c.ResourceName] = next.TryGetValue(c.ResourceName, out var old) ? new(old, StringComparer.Ordinal) : new(StringComparer.Ordinal);
            }
            var configs = next[c.ResourceName];
            if (c.Value is null) configs.Remove(c.Name);
            else configs[c.Name] = c.Value;
            if (configs.Count == 0) next.Remove(c.ResourceName);
            if (configs.Count == 0) copied.Remove(c.ResourceName);
        }
        if (next is null) return;
        ReplayedAny = true;
        _resources = next;
        Changed?.Invoke();
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() =>
        _resources.OrderBy(r => r.Key, StringComparer.Ordinal).SelectMany(r => RecordsOf(_resourceType, r.Key, r.Value)).ToList();

    private static MetadataRecord Record(sbyte resourceType, string name, string key, string? value) =>
        MetadataRecord.Of(new ConfigRecord { ResourceType = resourceType, ResourceName = name, Name = key, Value = value });
}
