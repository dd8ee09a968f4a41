namespace Chronik.Coordination.Acls;

/// <summary>Kafka's ResourceType codes (wire values).</summary>
public enum AclResourceType : sbyte
{
    Unknown = 0, Any = 1, Topic = 2, Group = 3, Cluster = 4, TransactionalId = 5, DelegationToken = 6, User = 7,
}

/// <summary>Kafka's PatternType codes; MATCH and ANY only appear in filters.</summary>
public enum AclPatternType : sbyte
{
    Unknown = 0, Any = 1, Match = 2, Literal = 3, Prefixed = 4,
}

/// <summary>Kafka's AclOperation codes.</summary>
public enum AclOperation : sbyte
{
    Unknown = 0, Any = 1, All = 2, Read = 3, Write = 4, Create = 5, Delete = 6, Alter = 7, Describe = 8,
    ClusterAction = 9, DescribeConfigs = 10, AlterConfigs = 11, IdempotentWrite = 12, CreateTokens = 13,
    DescribeTokens = 14, TwoPhaseCommit = 15,
}

/// <summary>Kafka's AclPermissionType codes.</summary>
public enum AclPermissionType : sbyte
{
    Unknown = 0, Any = 1, Deny = 2, Allow = 3,
}

/// <summary>One ACL: a resource pattern plus an access control entry, as Kafka's AclBinding.</summary>
public sealed record AclBinding(
    AclResourceType ResourceType, string ResourceName, AclPatternType PatternType,
    string Principal, string Host, AclOperation Operation, AclPermissionType Permission)
{
    public const string Wildcard = "*";
    public const string ClusterName = "kafka-cluster";
    public const string WildcardPrincipal = "User:*";
}

/// <summary>A Describe/DeleteAcls filter; null strings and ANY enums match everything, MATCH follows Kafka's ResourcePatternFilter.</summary>
public sealed record AclBindingFilter(
    AclResourceType ResourceType, string? ResourceName, AclPatternType PatternType,
    string? Principal, string? Host, AclOperation Operation, AclPermissionType Permission)
{
    /// <summary>Matches every ACL.</summary>
    public static readonly AclBindingFilter Any = new(AclResourceType.Any, null, AclPatternType.Any, null, null, AclOperation.Any, AclPermissionType.Any);

    /// <summary>True when the pattern or the entry half holds an UNKNOWN value (Kafka refuses such filters).</summary>
    public bool IsUnknown => PatternFilterUnknown || EntryFilterUnknown;

    public bool PatternFilterUnknown => ResourceType == AclResourceType.Unknown || PatternType == AclPatternType.Unknown;

    public bool EntryFilterUnknown => Operation == AclOperation.Unknown || Permission == AclPermissionType.Unknown;

    public bool Matches(AclBinding acl) => MatchesPattern(acl) && MatchesEntry(acl);

    private bool MatchesPattern(AclBinding acl)
    {
        if (ResourceType != AclResourceType.Any && ResourceType != acl.ResourceType) return false;
        if (PatternType != AclPatternType.Any && PatternType != AclPatternType.Match && PatternType != acl.PatternType) return false;
        if (ResourceName is null) return true;
        if (PatternType == AclPatternType.Any || PatternType == acl.PatternType) return ResourceName == acl.ResourceName;
        return acl.PatternType switch
        {
            AclPatternType.Literal => ResourceName == acl.ResourceName || acl.ResourceName == AclBinding.Wildcard,
            AclPatternType.Prefixed => ResourceName.StartsWith(acl.ResourceName, StringComparison.Ordinal),
            _ => false,
        };
    }

    private bool MatchesEntry(AclBinding acl)
    {
        if (Principal is not null && Principal != acl.Principal) return false;
        if (Host is not null && Host != acl.Host) return false;
        if (Operation != AclOperation.Any && Operation != acl.Operation) return false;
        return Permission == AclPermissionType.Any || Permission == acl.Permission;
    }
}
