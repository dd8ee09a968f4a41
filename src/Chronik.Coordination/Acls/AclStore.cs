using System.Text.Json;
using Chronik.Coordination.Topics;

namespace Chronik.Coordination.Acls;

/// <summary>The outcome of one ACL creation: null message means success.</summary>
public readonly record struct AclCreateResult(string? ErrorMessage)
{
    public bool Succeeded => ErrorMessage is null;
}

/// <summary>The outcome of one DeleteAcls filter: an error (INVALID_REQUEST) or the ACLs it removed.</summary>
public sealed record AclDeleteResult(string? ErrorMessage, IReadOnlyList<AclBinding> Deleted);

/// <summary>
/// The cluster's ACL bindings. Writers take one lock and persist the whole set atomically to
/// <c>&lt;data-dir&gt;/__cluster_metadata/acls.json</c> before publishing it; readers (the authorizer) use the
/// published immutable snapshot without a lock.
/// </summary>
public sealed class AclStore
{
    private readonly object _lock = new();
    private readonly string? _file;
    private volatile AclSnapshot _snapshot = AclSnapshot.Empty;

    /// <param name="dataDir">Null keeps the ACLs in memory only (tests).</param>
    public AclStore(string? dataDir)
    {
        if (dataDir is null) return;
        string dir = Path.Combine(dataDir, "__cluster_metadata");
        Directory.CreateDirectory(dir);
        _file = Path.Combine(dir, "acls.json");
        if (File.Exists(_file))
        {
            var list = JsonSerializer.Deserialize<List<PersistedAcl>>(File.ReadAllText(_file)) ?? [];
            _snapshot = new AclSnapshot(list.Select(p => p.ToBinding()).Distinct().ToArray());
        }
    }

    /// <summary>The current bindings, immutable; replaced as a whole on every change.</summary>
    public AclSnapshot Snapshot => _snapshot;

    /// <summary>Validates and adds each ACL (an existing identical ACL is a success, as Kafka); results in request order.</summary>
    public IReadOnlyList<AclCreateResult> Create(IReadOnlyList<AclBinding> acls)
    {
        var results = new AclCreateResult[acls.Count];
        lock (_lock)
        {
            var current = _snapshot.All;
            var set = new HashSet<AclBinding>(current);
            var added = new List<AclBinding>();
            for (int i = 0; i < acls.Count; i++)
            {
                string? error = AclValidation.ValidateNew(acls[i]);
                if (error is null && set.Add(acls[i])) added.Add(acls[i]);
                results[i] = new AclCreateResult(error);
            }
            if (added.Count > 0) Publish([.. current, .. added]);
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
            if (removed.Count > 0) Publish(current.Where(a => !removed.Contains(a)).ToArray());
        }
        return results;
    }

    /// <summary>The ACLs a DescribeAcls filter matches, in creation order.</summary>
    public IReadOnlyList<AclBinding> Describe(AclBindingFilter filter) => _snapshot.All.Where(filter.Matches).ToList();

    private void Publish(AclBinding[] acls)
    {
        if (_file is not null)
        {
            var list = acls.Select(PersistedAcl.From).ToList();
            AtomicFile.Write(_file, JsonSerializer.SerializeToUtf8Bytes(list));
        }
        _snapshot = new AclSnapshot(acls);
    }

    private sealed record PersistedAcl(string ResourceType, string ResourceName, string PatternType, string Principal, string Host, string Operation, string Permission)
    {
        public static PersistedAcl From(AclBinding a) => new(a.ResourceType.ToString(), a.ResourceName, a.PatternType.ToString(),
            a.Principal, a.Host, a.Operation.ToString(), a.Permission.ToString());

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
