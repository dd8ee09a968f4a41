using System.Text.Json;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Acls;

/// <summary>The outcome of one ACL creation: null message means success.</summary>
public readonly record struct AclCreateResult(string? ErrorMessage)
{
    public bool Succeeded => ErrorMessage is null;
}

/// <summary>The outcome of one DeleteAcls filter: an error (INVALID_REQUEST) or the ACLs it removed.</summary>
public sealed record AclDeleteResult(string? ErrorMessage, IReadOnlyList<AclBinding> Deleted);

/// <summary>
/// The cluster's ACL bindings on the metadata store (Kafka's AclControlManager): each ACL is an
/// AccessControlEntryRecord with a random id, a deletion a RemoveAccessControlEntryRecord of that id, and the ACLs of
/// one CreateAcls or DeleteAcls request go in one batch (wholly applied after a crash, or not at all). This broker's
/// writers take one lock and append; the store applies the batch (<see cref="Apply"/>, which takes no lock) before the
/// append returns, which publishes a new immutable snapshot that readers (the authorizer) use without a lock. Brokers
/// sharing a store may add the same ACL at once: Apply keeps the first record of a binding in log order and ignores
/// the later ones, and removing an id twice is a no-op. The state is rebuilt by replay at start-up;
/// a data directory of the JSON era has its acls.json imported once (<see cref="LegacyMetadataFile"/>).
/// </summary>
public sealed class AclStore : IMetadataParticipant
{
    public const string LegacyFileName = "acls.json";

    private readonly object _lock = new();
    private readonly IMetadataStore _store;
    private volatile (Guid Id, AclBinding Acl)[] _entries = [];
    private volatile AclSnapshot _snapshot = AclSnapshot.Empty;
    // Touched by Apply only (batches are applied one at a time): the ACLs by id, numbered in creation order.
    private readonly Dictionary<Guid, (long Sequence, AclBinding Acl)> _byId = [];
    private readonly Dictionary<AclBinding, Guid> _byBinding = [];
    private long _sequence;
    private bool _replayedAny;

    /// <param name="store">The metadata store this holder replays from and appends to.</param>
    /// <param name="legacyDataDir">The data directory whose acls.json (the format before the store) is imported once; null for none.</param>
    public AclStore(IMetadataStore store, string? legacyDataDir = null)
    {
        _store = store;
        store.Register(this);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _replayedAny, ReadLegacy);
    }

    /// <summary>The current bindings, immutable; replaced as a whole on every change.</summary>
    public AclSnapshot Snapshot => _snapshot;

    /// <summary>Validates and adds each ACL (an existing identical ACL is a success, as Kafka); results in request order.</summary>
    public IReadOnlyList<AclCreateResult> Create(IReadOnlyList<AclBinding> acls)
    {
        var results = new AclCreateResult[acls.Count];
        lock (_lock)
        {
            var set = new HashSet<AclBinding>(_snapshot.All);
            var added = new List<MetadataRecord>();
            for (int i = 0; i < acls.Count; i++)
            {
                string? error = AclValidation.ValidateNew(acls[i]);
                if (error is null && set.Add(acls[i])) added.Add(ToRecord(Guid.NewGuid(), acls[i]));
                results[i] = new AclCreateResult(error);
            }
            if (added.Count > 0) _store.Append(added);
        }
        return results;
    }

    /// <summary>Removes, per filter, every ACL it matches (an ACL matched by two filters is reported by both); results in filter order.</summary>
    public IReadOnlyList<AclDeleteResult> Delete(IReadOnlyList<AclBindingFilter> filters)
    {
        var results = new AclDeleteResult[filters.Count];
        lock (_lock)
        {
            var current = _snapshot.All;
            var removed = new HashSet<AclBinding>();
            for (int i = 0; i < filters.Count; i++)
            {
                var f = filters[i];
                if (f.PatternFilterUnknown) { results[i] = new AclDeleteResult("Unknown patternFilter.", []); continue; }
                if (f.EntryFilterUnknown) { results[i] = new AclDeleteResult("Unknown entryFilter.", []); continue; }
                var matched = current.Where(f.Matches).ToList();
                removed.UnionWith(matched);
                results[i] = new AclDeleteResult(null, matched);
            }
            if (removed.Count > 0)
            {
                _store.Append(_entries.Where(e => removed.Contains(e.Acl))
                    .Select(e => MetadataRecord.Of(new RemoveAccessControlEntryRecord { Id = e.Id })).ToList());
            }
        }
        return results;
    }

    /// <summary>The ACLs a DescribeAcls filter matches, in creation order.</summary>
    public IReadOnlyList<AclBinding> Describe(AclBindingFilter filter) => _snapshot.All.Where(filter.Matches).ToList();

    public bool Owns(short recordType) => recordType is MetadataRecordTypes.AccessControlEntryRecord or MetadataRecordTypes.RemoveAccessControlEntryRecord;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) return;
        _replayedAny = true;
        foreach (var r in records)
        {
            switch (r.Message)
            {
                // Two brokers adding the same ACL at once: the first in the log is the one kept.
                case AccessControlEntryRecord a when _byBinding.TryAdd(ToBinding(a), a.Id):
                    _byId[a.Id] = (_sequence++, ToBinding(a));
                    break;
                case RemoveAccessControlEntryRecord d when _byId.Remove(d.Id, out var gone):
                    _byBinding.Remove(gone.Acl);
                    break;
            }
        }
        var published = _byId.OrderBy(e => e.Value.Sequence).Select(e => (e.Key, e.Value.Acl)).ToArray();
        _entries = published;
        _snapshot = new AclSnapshot(published.Select(e => e.Acl).ToArray());
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() => _entries.Select(e => ToRecord(e.Id, e.Acl));

    private static MetadataRecord ToRecord(Guid id, AclBinding a) => MetadataRecord.Of(new AccessControlEntryRecord
    {
        Id = id,
        ResourceType = (sbyte)a.ResourceType,
        ResourceName = a.ResourceName,
        PatternType = (sbyte)a.PatternType,
        Principal = a.Principal,
        Host = a.Host,
        Operation = (sbyte)a.Operation,
        PermissionType = (sbyte)a.Permission,
    });

    private static AclBinding ToBinding(AccessControlEntryRecord r) => new((AclResourceType)r.ResourceType, r.ResourceName,
        (AclPatternType)r.PatternType, r.Principal, r.Host, (AclOperation)r.Operation, (AclPermissionType)r.PermissionType);

    private static IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var list = JsonSerializer.Deserialize<List<PersistedAcl>>(File.ReadAllText(file)) ?? [];
        return list.Select(p => p.ToBinding()).Distinct().Select(a => ToRecord(Guid.NewGuid(), a)).ToList();
    }

    /// <summary>An ACL as acls.json held it (the format before the metadata store; read at migration only).</summary>
    private sealed record PersistedAcl(string ResourceType, string ResourceName, string PatternType, string Principal, string Host, string Operation, string Permission)
    {
        public AclBinding ToBinding() => new(Enum.Parse<AclResourceType>(ResourceType), ResourceName, Enum.Parse<AclPatternType>(PatternType),
            Principal, Host, Enum.Parse<AclOperation>(Operation), Enum.Parse<AclPermissionType>(Permission));
    }
}

/// <summary>An immutable set of ACLs, indexed by resource type for the authorizer.</summary>
public sealed class AclSnapshot
{
    public static readonly AclSnapshot Empty = new([]);

    private readonly AclBinding[][] _byType;

    public AclSnapshot(AclBinding[] all)
    {
        All = all;
        _byType = new AclBinding[8][];
        for (int t = 0; t < _byType.Length; t++) _byType[t] = all.Where(a => (int)a.ResourceType == t).ToArray();
    }

    public AclBinding[] All { get; }

    /// <summary>The ACLs on one resource type.</summary>
    public AclBinding[] OfType(AclResourceType type) => (uint)type < (uint)_byType.Length ? _byType[(int)type] : [];
}
