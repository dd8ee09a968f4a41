namespace Chronik.Coordination.Acls;

/// <summary>
/// Decides access as Kafka's StandardAuthorizer: super users may do anything; otherwise the ACLs on the resource
/// (literal name, prefixes of it, and the literal "*") whose principal (or "User:*") and host (or "*") match are
/// consulted; a matching DENY wins, then a matching ALLOW; with no ACL on the resource at all the answer is
/// allow.everyone.if.no.acl.found; otherwise deny. ALLOW on READ/WRITE/DELETE/ALTER implies DESCRIBE, ALLOW on
/// ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL matches every operation.
/// </summary>
public sealed class AclAuthorizer
{
    private readonly AclStore _store;
    private readonly HashSet<string> _superUsers;

    public AclAuthorizer(AclStore store, IEnumerable<string> superUsers, bool allowEveryoneIfNoAclFound)
    {
        _store = store;
        _superUsers = new HashSet<string>(superUsers, StringComparer.Ordinal);
        AllowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
    }

    public bool AllowEveryoneIfNoAclFound { get; }

    public AclStore Store => _store;

    /// <summary>Parses super.users: principals separated by ';', blanks ignored; each must be "Type:name".</summary>
    public static IReadOnlyList<string> ParseSuperUsers(string? value)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(value)) return result;
        foreach (var part in value.Split(';'))
        {
            var v = part.Trim();
            if (v.Length == 0) continue;
            if (!AclValidation.IsValidPrincipal(v)) throw new ArgumentException($"super.users: expected a string in format principalType:principalName but got {v}");
            result.Add(v);
        }
        return result;
    }

    public bool IsSuperUser(string principal) => _superUsers.Contains(principal);

    /// <summary>True when <paramref name="principal"/> from <paramref name="host"/> may perform <paramref name="op"/> on the named resource.</summary>
    public bool Authorize(string principal, string host, AclOperation op, AclResourceType type, string name)
    {
        if (_superUsers.Contains(principal)) return true;
        bool hasResourceAcls = false, allowed = false;
        foreach (var acl in _store.Snapshot.OfType(type))
        {
            if (!PatternMatches(acl, name)) continue;
            hasResourceAcls = true;
            switch (Result(acl, principal, host, op))
            {
                case AclPermissionType.Deny: return false;
                case AclPermissionType.Allow: allowed = true; break;
            }
        }
        return allowed || (!hasResourceAcls && AllowEveryoneIfNoAclFound);
    }

    /// <summary>
    /// Kafka's authorizeByResourceType: true when the principal may perform <paramref name="op"/> on at least one
    /// resource of the type (some ALLOW not dominated by a DENY; used e.g. for idempotent InitProducerId).
    /// </summary>
    public bool AuthorizeByResourceType(string principal, string host, AclOperation op, AclResourceType type)
    {
        if (Authorize(principal, host, op, type, "hardcode")) return true;
        var denyLiteral = new HashSet<string>(StringComparer.Ordinal);
        var denyPrefixed = new HashSet<string>(StringComparer.Ordinal);
        var allows = new List<AclBinding>();
        foreach (var acl in _store.Snapshot.OfType(type))
        {
            if (acl.Host != AclBinding.Wildcard && acl.Host != host) continue;
            if (acl.Principal != principal && acl.Principal != AclBinding.WildcardPrincipal) continue;
            if (acl.Operation != op && acl.Operation != AclOperation.All) continue;
            if (acl.Permission == AclPermissionType.Deny)
            {
                if (acl.PatternType == AclPatternType.Literal)
                {
                    if (acl.ResourceName == AclBinding.Wildcard) return false;
                    denyLiteral.Add(acl.ResourceName);
                }
                else denyPrefixed.Add(acl.ResourceName);
            }
            else if (acl.Permission == AclPermissionType.Allow)
            {
                if (acl.PatternType == AclPatternType.Literal && acl.ResourceName == AclBinding.Wildcard) return true;
                allows.Add(acl);
            }
        }
        foreach (var allow in allows)
        {
            if (allow.PatternType == AclPatternType.Literal && denyLiteral.Contains(allow.ResourceName)) continue;
            bool dominated = false;
            for (int len = 1; len <= allow.ResourceName.Length && !dominated; len++)
            {
                dominated = denyPrefixed.Contains(allow.ResourceName[..len]);
            }
            if (!dominated) return true;
        }
        return false;
    }

    /// <summary>The bit set (1 &lt;&lt; operation code) of the given operations the principal may perform on the resource.</summary>
    public int AuthorizedOperations(string principal, string host, AclResourceType type, string name, ReadOnlySpan<AclOperation> supported)
    {
        int bits = 0;
        foreach (var op in supported)
        {
            if (Authorize(principal, host, op, type, name)) bits |= 1 << (int)op;
        }
        return bits;
    }

    private static bool PatternMatches(AclBinding acl, string name) => acl.PatternType switch
    {
        AclPatternType.Literal => acl.ResourceName == name || acl.ResourceName == AclBinding.Wildcard,
        AclPatternType.Prefixed => name.StartsWith(acl.ResourceName, StringComparison.Ordinal),
        _ => false,
    };

    // Allow/Deny when the ACL applies to this principal, host and operation; Unknown when it does not.
    private static AclPermissionType Result(AclBinding acl, string principal, string host, AclOperation op)
    {
        if (acl.Principal != principal && acl.Principal != AclBinding.WildcardPrincipal) return AclPermissionType.Unknown;
        if (acl.Host != AclBinding.Wildcard && acl.Host != host) return AclPermissionType.Unknown;
        if (acl.Operation != AclOperation.All)
        {
            if (acl.Permission == AclPermissionType.Allow)
            {
                bool applies = op switch
                {
                    AclOperation.Describe => acl.Operation is AclOperation.Describe or AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter,
                    AclOperation.DescribeConfigs => acl.Operation is AclOperation.DescribeConfigs or AclOperation.AlterConfigs,
                    _ => acl.Operation == op,
                };
                if (!applies) return AclPermissionType.Unknown;
            }
            else if (acl.Operation != op) return AclPermissionType.Unknown;
        }
        return acl.Permission;
    }
}
