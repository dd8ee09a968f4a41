// FindCoordinator (key 10), v0-6. v0-3 ask for one key, v4+ for a batch (CoordinatorKeys).
// GROUP (0) and TRANSACTION (1) keys are coordinated by this node, with the advertised host and port of the client's listener;
// other key types (SHARE 2) answer INVALID_REQUEST.
// With an authorizer: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED) or transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers every group and transaction coordinator lookup with this node.</summary>
public sealed class FindCoordinatorHandler : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public FindCoordinatorHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.FindCoordinator;
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponse();
        var (host, port) = _cluster.EndpointFor(context.Session.Listener);
        if (context.ApiVersion >= 4)
        {
            foreach (var key in request.CoordinatorKeys)
            {
                var error = Check(context, key, request.KeyType);
                bool ok = error == ErrorCode.None;
                response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
                {
                    Key = key,
                    NodeId = ok ? _cluster.NodeId : -1,
                    Host = ok ? host : "",
                    Port = ok ? port : -1,
                    ErrorCode = (short)error,
                    ErrorMessage = ok ? null : Message(error),
                });
            }
            return new(response);
        }
        var single = Check(context, request.Key, request.KeyType);
        if (single == ErrorCode.None)
        {
            response.NodeId = _cluster.NodeId;
            response.Host = host;
            response.Port = port;
            response.ErrorMessage = null;
        }
        else
        {
            response.ErrorCode = (short)single;
            response.NodeId = -1;
            response.Port = -1;
            response.ErrorMessage = Message(single);
        }
        if (context.ApiVersion == 0) response.ErrorMessage = "";
        return new(response);
    }

    private ErrorCode Check(RequestContext context, string key, sbyte keyType) => keyType switch
    {
        0 => _auth.Authorize(context, AclOperation.Describe, AclResourceType.Group, key) ? ErrorCode.None : ErrorCode.GroupAuthorizationFailed,
        1 => _auth.Authorize(context, AclOperation.Describe, AclResourceType.TransactionalId, key) ? ErrorCode.None : ErrorCode.TransactionalIdAuthorizationFailed,
        _ => ErrorCode.InvalidRequest,
    };

    private static string Message(ErrorCode error) => error switch
    {
        ErrorCode.GroupAuthorizationFailed => "Group authorization failed.",
        ErrorCode.TransactionalIdAuthorizationFailed => "Transactional Id authorization failed.",
        _ => "Invalid coordinator key or key type",
    };
}
