namespace Chronik.Coordination.Acls;

/// <summary>Kafka's checks on a new ACL (AclApis + AclControlManager); each returns the INVALID_REQUEST message or null.</summary>
public static class AclValidation
{
    /// <summary>The message Kafka gives for an ACL it refuses to create, or null when the ACL is valid.</summary>
    public static string? ValidateNew(AclBinding acl)
    {
        if (acl.ResourceType == AclResourceType.Cluster && acl.ResourceName != AclBinding.ClusterName)
            return "The only valid name for the CLUSTER resource is " + AclBinding.ClusterName;
        if (acl.ResourceName.Length == 0) return "Invalid empty resource name";
        if (acl.ResourceType is AclResourceType.Unknown or AclResourceType.Any || !Enum.IsDefined(acl.ResourceType))
            return "Invalid resourceType " + Name(acl.ResourceType);
        if (acl.PatternType is not (AclPatternType.Literal or AclPatternType.Prefixed))
            return "Invalid patternType " + Name(acl.PatternType);
        if (acl.Operation is AclOperation.Unknown or AclOperation.Any || !Enum.IsDefined(acl.Operation))
            return "Invalid operation " + Name(acl.Operation);
        if (acl.Permission is not (AclPermissionType.Allow or AclPermissionType.Deny))
            return "Invalid permissionType " + Name(acl.Permission);
        if (!IsValidPrincipal(acl.Principal))
            return "Could not parse principal from `" + acl.Principal + "` (no colon is present separating the principal type from the principal name)";
        return null;
    }

    /// <summary>"Type:name" with a non-empty type, as Kafka's KafkaPrincipal parsing requires.</summary>
    public static bool IsValidPrincipal(string principal) => principal.IndexOf(':', StringComparison.Ordinal) > 0;

    /// <summary>Kafka's upper-case enum name (TOPIC, PREFIXED, DESCRIBE_CONFIGS), UNKNOWN for codes it does not know.</summary>
    public static string Name<T>(T value) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) return "UNKNOWN";
        var s = value.ToString();
        var sb = new System.Text.StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            if (i > 0 && char.IsUpper(s[i])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(s[i]));
        }
        return sb.ToString();
    }
}
