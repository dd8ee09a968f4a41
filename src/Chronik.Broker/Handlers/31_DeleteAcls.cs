// DeleteAcls (key 31), v0-3. Without an authorizer every filter result is SECURITY_DISABLED. With one: needs
// ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED per filter); each filter removes and returns every
// ACL it matches (Describe's matching rules, MATCH included). v0: ANY becomes LITERAL; UNKNOWN codes or other
// v0 pattern types fail parsing (connection closed).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Removes ACL bindings by filter, persisted before the answer.</summary>
public sealed class DeleteAclsHandler : ApiHandler<DeleteAclsRequest, DeleteAclsResponse>
{
    private readonly AclRequestAuthorizer _authorizer;

    public DeleteAclsHandler(AclRequestAuthorizer authorizer) => _authorizer = authorizer;

    public override ApiKey Key => ApiKey.DeleteAcls;
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override ValueTask<DeleteAclsResponse?> HandleAsync(RequestContext context, DeleteAclsRequest request, CancellationToken cancellationToken)
    {
        var filters = new List<AclBindingFilter>(request.Filters.Count);
        foreach (var f in request.Filters)
        {
            filters.Add(AclWire.NormalizeFilter(new AclBindingFilter((AclResourceType)f.ResourceTypeFilter, f.ResourceNameFilter, (AclPatternType)f.PatternTypeFilter,
                f.PrincipalFilter, f.HostFilter, (AclOperation)f.Operation, (AclPermissionType)f.PermissionType), context.ApiVersion));
        }
        var response = new DeleteAclsResponse();
        if (!_authorizer.Enabled || !_authorizer.AuthorizeCluster(context, AclOperation.Alter))
        {
            var (code, message) = _authorizer.Enabled
                ? (ErrorCode.ClusterAuthorizationFailed, AclWire.ClusterAuthorizationMessage)
                : (ErrorCode.SecurityDisabled, "No Authorizer is configured.");
            foreach (var _ in filters) response.FilterResults.Add(new DeleteAclsResponse.DeleteAclsFilterResult { ErrorCode = (short)code, ErrorMessage = message });
            return new(response);
        }
        foreach (var r in _authorizer.Store.Delete(filters))
        {
            var result = new DeleteAclsResponse.DeleteAclsFilterResult { ErrorMessage = r.ErrorMessage };
            if (r.ErrorMessage is not null) result.ErrorCode = (short)ErrorCode.InvalidRequest;
            foreach (var acl in r.Deleted)
            {
                result.MatchingAcls.Add(new DeleteAclsResponse.DeleteAclsMatchingAcl
                {
                    ErrorMessage = null,
                    ResourceType = (sbyte)acl.ResourceType, ResourceName = acl.ResourceName, PatternType = (sbyte)acl.PatternType,
                    Principal = acl.Principal, Host = acl.Host, Operation = (sbyte)acl.Operation, PermissionType = (sbyte)acl.Permission,
                });
            }
            response.FilterResults.Add(result);
        }
        return new(response);
    }
}
