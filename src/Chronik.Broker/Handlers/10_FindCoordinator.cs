// FindCoordinator (key 10), v0-6. v0-3 ask for one key, v4+ for a batch (CoordinatorKeys).
// GROUP (0) and TRANSACTION (1) keys are coordinated by this node, with its advertised host and port;
// other key types (SHARE 2) answer INVALID_REQUEST.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers every group and transaction coordinator lookup with this node.</summary>
public sealed class FindCoordinatorHandler : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private readonly ClusterView _cluster;

    public FindCoordinatorHandler(ClusterView cluster) => _cluster = cluster;

    public override ApiKey Key => ApiKey.FindCoordinator;
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponse();
        if (context.ApiVersion >= 4)
        {
            foreach (var key in request.CoordinatorKeys)
            {
                var error = Check(key, request.KeyType);
                bool ok = error == ErrorCode.None;
                response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
                {
                    Key = key,
                    NodeId = ok ? _cluster.NodeId : -1,
                    Host = ok ? _cluster.Host : "",
                    Port = ok ? _cluster.Port : -1,
                    ErrorCode = (short)error,
                    ErrorMessage = ok ? null : "Invalid coordinator key or key type",
                });
            }
            return new(response);
        }
        var single = Check(request.Key, request.KeyType);
        if (single == ErrorCode.None)
        {
            response.NodeId = _cluster.NodeId;
            response.Host = _cluster.Host;
            response.Port = _cluster.Port;
            response.ErrorMessage = null;
        }
        else
        {
            response.ErrorCode = (short)single;
            response.NodeId = -1;
            response.Port = -1;
            response.ErrorMessage = "Invalid coordinator key or key type";
        }
        if (context.ApiVersion == 0) response.ErrorMessage = "";
        return new(response);
    }

    private static ErrorCode Check(string _, sbyte keyType) => keyType switch
    {
        0 or 1 => ErrorCode.None,
        _ => ErrorCode.InvalidRequest,
    };
}
