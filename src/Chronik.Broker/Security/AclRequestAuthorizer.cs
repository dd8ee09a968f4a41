using Chronik.Broker.Dispatch;
using Chronik.Coordination.Acls;

namespace Chronik.Broker.Security;

/// <summary>
/// The broker's authorizer: disabled unless authorizer.class.name is set (any non-empty class name, e.g. Kafka's
/// org.apache.kafka.metadata.authorizer.StandardAuthorizer, selects the ACL authorizer); then checks go to
/// <see cref="AclAuthorizer"/> with the request's principal and client address.
/// </summary>
public sealed class AclRequestAuthorizer : IRequestAuthorizer
{
    private readonly AclAuthorizer? _acls;

    public AclRequestAuthorizer(BrokerOptions options, AclStore store)
    {
        Store = store;
        if (!string.IsNullOrWhiteSpace(options.AuthorizerClassName))
        {
            _acls = new AclAuthorizer(store, AclAuthorizer.ParseSuperUsers(options.SuperUsers), options.AllowEveryoneIfNoAclFound);
        }
    }

    public bool Enabled => _acls is not null;

    /// <summary>Checks a super.users value (each entry "Type:name"); throws <see cref="ArgumentException"/> naming the bad entry.</summary>
    public static void ValidateSuperUsers(string value) => AclAuthorizer.ParseSuperUsers(value);

    /// <summary>The ACL bindings (also used by the ACL APIs).</summary>
    public AclStore Store { get; }

    public bool Authorize(RequestContext context, AclOperation op, AclResourceType type, string name) =>
        _acls is null || _acls.Authorize(context.Principal, context.ClientAddress, op, type, name);

    /// <summary>The same check for a principal that did not come over a Kafka connection (the Schema Registry's HTTP callers).</summary>
    public bool Authorize(string principal, string host, AclOperation op, AclResourceType type, string name) =>
        _acls is null || _acls.Authorize(principal, host, op, type, name);

    /// <summary>True when the authorizer is on and <paramref name="principal"/> is one of super.users.</summary>
    public bool IsSuperUser(string principal) => _acls is not null && _acls.IsSuperUser(principal);

    public bool AuthorizeByResourceType(RequestContext context, AclOperation op, AclResourceType type) =>
        _acls is null || _acls.AuthorizeByResourceType(context.Principal, context.ClientAddress, op, type);

    public int AuthorizedOperations(RequestContext context, AclResourceType type, string name)
    {
        var supported = SupportedOperations(type);
        if (_acls is null)
        {
            int all = 0;
            foreach (var op in supported) all |= 1 << (int)op;
            return all;
        }
        return _acls.AuthorizedOperations(context.Principal, context.ClientAddress, type, name, supported);
    }

    // The operations Kafka lists per resource type (AclEntry.supportedOperations).
    private static ReadOnlySpan<AclOperation> SupportedOperations(AclResourceType type) => type switch
    {
        AclResourceType.Topic => [AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Describe, AclOperation.Delete,
            AclOperation.Alter, AclOperation.DescribeConfigs, AclOperation.AlterConfigs],
        // DESCRIBE_CONFIGS / ALTER_CONFIGS guard the group's configs (GROUP config resources, Kafka 4.0).
        AclResourceType.Group => [AclOperation.Read, AclOperation.Describe, AclOperation.Delete, AclOperation.DescribeConfigs, AclOperation.AlterConfigs],
        AclResourceType.Cluster => [AclOperation.Create, AclOperation.ClusterAction, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
            AclOperation.IdempotentWrite, AclOperation.Alter, AclOperation.Describe],
        AclResourceType.TransactionalId => [AclOperation.Describe, AclOperation.Write],
        AclResourceType.DelegationToken => [AclOperation.Describe],
        AclResourceType.User => [AclOperation.CreateTokens, AclOperation.DescribeTokens],
        _ => [],
    };
}
