using Chronik.Broker.Dispatch;
using Chronik.Coordination.Acls;

namespace Chronik.Broker.Security;

/// <summary>
/// The access check handlers call. When no authorizer is configured (the default) <see cref="Enabled"/> is false
/// and every check answers true at once, so the hot path pays one interface call and nothing else.
/// </summary>
public interface IRequestAuthorizer
{
    /// <summary>True when authorizer.class.name is set; the ACL APIs answer SECURITY_DISABLED otherwise.</summary>
    bool Enabled { get; }

    /// <summary>May the request's principal, from its address, perform <paramref name="op"/> on the named resource?</summary>
    bool Authorize(RequestContext context, AclOperation op, AclResourceType type, string name);

    /// <summary>Kafka's authorizeByResourceType: may the principal perform <paramref name="op"/> on some resource of the type?</summary>
    bool AuthorizeByResourceType(RequestContext context, AclOperation op, AclResourceType type);

    /// <summary>The authorized-operations bit set for a resource (Metadata, DescribeGroups, DescribeCluster).</summary>
    int AuthorizedOperations(RequestContext context, AclResourceType type, string name);
}

/// <summary>Shared helpers for authorization checks in handlers.</summary>
public static class AuthorizerExtensions
{
    /// <summary>The value Kafka puts in authorized-operations fields that were not requested (Integer.MIN_VALUE).</summary>
    public const int OperationsNotRequested = int.MinValue;

    /// <summary>
    /// Kafka's check for a config resource (DescribeConfigs: DESCRIBE_CONFIGS, alters: ALTER_CONFIGS): topics on the
    /// topic, groups on the group, broker / broker logger / client metrics on the cluster; the error names the resource kind.
    /// </summary>
    public static Chronik.Protocol.Messages.ErrorCode AuthorizeConfigResource(this IRequestAuthorizer authorizer, RequestContext context, AclOperation op, sbyte resourceType, string name)
    {
        var (type, resource, error) = resourceType switch
        {
            2 => (AclResourceType.Topic, name, Chronik.Protocol.Messages.ErrorCode.TopicAuthorizationFailed),
            32 => (AclResourceType.Group, name, Chronik.Protocol.Messages.ErrorCode.GroupAuthorizationFailed),
            _ => (AclResourceType.Cluster, AclBinding.ClusterName, Chronik.Protocol.Messages.ErrorCode.ClusterAuthorizationFailed),
        };
        return authorizer.Authorize(context, op, type, resource) ? Chronik.Protocol.Messages.ErrorCode.None : error;
    }

    /// <summary>Kafka's default message for an authorization error code.</summary>
    public static string AuthorizationMessage(Chronik.Protocol.Messages.ErrorCode error) => error switch
    {
        Chronik.Protocol.Messages.ErrorCode.TopicAuthorizationFailed => "Topic authorization failed.",
        Chronik.Protocol.Messages.ErrorCode.GroupAuthorizationFailed => "Group authorization failed.",
        Chronik.Protocol.Messages.ErrorCode.TransactionalIdAuthorizationFailed => "Transactional Id authorization failed.",
        _ => "Cluster authorization failed.",
    };

    public static bool AuthorizeCluster(this IRequestAuthorizer authorizer, RequestContext context, AclOperation op) =>
        authorizer.Authorize(context, op, AclResourceType.Cluster, AclBinding.ClusterName);
}
