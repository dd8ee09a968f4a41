// DescribeAcls (key 29), v0-3. Without an authorizer: SECURITY_DISABLED. With one: needs DESCRIBE on the
// cluster, then lists the ACLs matching the filter grouped by resource pattern. As Kafka, a filter with an
// UNKNOWN element, or a v0 filter other than LITERAL/ANY, fails request parsing and closes the connection.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Handlers;

/// <summary>Lists ACL bindings matching one filter.</summary>
public sealed class DescribeAclsHandler : ApiHandler<DescribeAclsRequest, DescribeAclsResponse>
{
    private readonly AclRequestAuthorizer _authorizer;

    public DescribeAclsHandler(AclRequestAuthorizer authorizer) => _authorizer = authorizer;

    public override ApiKey Key => ApiKey.DescribeAcls;
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override ValueTask<DescribeAclsResponse?> HandleAsync(RequestContext context, DescribeAclsRequest request, CancellationToken cancellationToken)
    {
        var filter = new AclBindingFilter((AclResourceType)request.ResourceTypeFilter, request.ResourceNameFilter, (AclPatternType)request.PatternTypeFilter,
            request.PrincipalFilter, request.HostFilter, (AclOperation)request.Operation, (AclPermissionType)request.PermissionType);
        filter = AclWire.NormalizeFilter(filter, context.ApiVersion);
        var response = new DescribeAclsResponse();
        if (!_authorizer.Enabled)
        {
            response.ErrorCode = (short)ErrorCode.SecurityDisabled;
            response.ErrorMessage = "No Authorizer is configured on the broker";
            return new(response);
        }
        if (!_authorizer.AuthorizeCluster(context, AclOperation.Describe))
        {
            response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
            response.ErrorMessage = AclWire.ClusterAuthorizationMessage;
            return new(response);
        }
        response.ErrorMessage = null;
        foreach (var group in _authorizer.Store.Describe(filter).GroupBy(a => (a.ResourceType, a.ResourceName, a.PatternType)))
        {
            var resource = new DescribeAclsResponse.DescribeAclsResource
            {
                ResourceType = (sbyte)group.Key.ResourceType,
                ResourceName = group.Key.ResourceName,
                PatternType = (sbyte)group.Key.PatternType,
            };
            foreach (var acl in group)
            {
                resource.Acls.Add(new DescribeAclsResponse.AclDescription
                {
                    Principal = acl.Principal, Host = acl.Host, Operation = (sbyte)acl.Operation, PermissionType = (sbyte)acl.Permission,
                });
            }
            response.Resources.Add(resource);
        }
        return new(response);
    }
}
