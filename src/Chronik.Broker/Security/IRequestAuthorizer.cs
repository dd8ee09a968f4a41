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

    public static bool AuthorizeCluster(this IRequestAuthorizer authorizer, RequestContext context, AclOperation op) =>
        authorizer.Authorize(context, op, AclResourceType.Cluster, AclBinding.ClusterName);
}
