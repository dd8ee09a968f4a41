// CreateAcls (key 30), v0-3. Without an authorizer every result is SECURITY_DISABLED. With one: needs ALTER
// on the cluster (else CLUSTER_AUTHORIZATION_FAILED per result); each ACL is validated as Kafka does
// (INVALID_REQUEST: CLUSTER name other than kafka-cluster, empty name, ANY/MATCH types, malformed principal);
// an ACL that already exists is a success. UNKNOWN codes or v0 PREFIXED fail parsing (connection closed).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Handlers;

/// <summary>Adds ACL bindings, persisted before the answer.</summary>
public sealed class CreateAclsHandler : ApiHandler<CreateAclsRequest, CreateAclsResponse>
{
    private readonly AclRequestAuthorizer _authorizer;

    public CreateAclsHandler(AclRequestAuthorizer authorizer) => _authorizer = authorizer;

    public override ApiKey Key => ApiKey.CreateAcls;
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override ValueTask<CreateAclsResponse?> HandleAsync(RequestContext context, CreateAclsRequest request, CancellationToken cancellationToken)
    {
        var bindings = new List<AclBinding>(request.Creations.Count);
        foreach (var c in request.Creations)
        {
            var acl = new AclBinding((AclResourceType)c.ResourceType, c.ResourceName, (AclPatternType)c.ResourcePatternType,
                c.Principal, c.Host, (AclOperation)c.Operation, (AclPermissionType)c.PermissionType);
            if (context.ApiVersion == 0 && acl.PatternType != AclPatternType.Literal) KafkaProtocolException.Throw("CreateAcls v0 only supports literal resource pattern types");
            if (!Enum.IsDefined(acl.ResourceType) || !Enum.IsDefined(acl.PatternType) || !Enum.IsDefined(acl.Operation) || !Enum.IsDefined(acl.Permission)
                || acl.ResourceType == AclResourceType.Unknown || acl.PatternType == AclPatternType.Unknown
                || acl.Operation == AclOperation.Unknown || acl.Permission == AclPermissionType.Unknown)
            {
                KafkaProtocolException.Throw("CreatableAcls contain unknown elements");
            }
            bindings.Add(acl);
        }
        var response = new CreateAclsResponse();
        if (!_authorizer.Enabled || !_authorizer.AuthorizeCluster(context, AclOperation.Alter))
        {
            var (code, message) = _authorizer.Enabled
                ? (ErrorCode.ClusterAuthorizationFailed, AclWire.ClusterAuthorizationMessage)
                : (ErrorCode.SecurityDisabled, "No Authorizer is configured.");
            foreach (var _ in bindings) response.Results.Add(new CreateAclsResponse.AclCreationResult { ErrorCode = (short)code, ErrorMessage = message });
            return new(response);
        }
        foreach (var r in _authorizer.Store.Create(bindings))
        {
            response.Results.Add(r.Succeeded
                ? new CreateAclsResponse.AclCreationResult { ErrorMessage = null }
                : new CreateAclsResponse.AclCreationResult { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = r.ErrorMessage });
        }
        return new(response);
    }
}
