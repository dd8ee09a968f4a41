// DescribeCluster (key 60), v0-2 (v2: no broker is listed as fenced; a cluster member whose heartbeat lapsed is left
// out, so IncludeFencedBrokers changes nothing).
// The live brokers (this one with the advertised host and port of the client's listener, the others with the listener
// they registered; a single node is the only one); this broker is the controller. Endpoint type
// (v1) 1 = brokers is served; 2 = controllers gets MISMATCHED_ENDPOINT_TYPE and anything else
// UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST at v0), as a Kafka broker answers. Requested cluster authorized
// operations come from the ACLs (without an authorizer: every operation the cluster resource supports).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes the cluster: its live brokers.</summary>
public sealed class DescribeClusterHandler : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokersEndpoint = 1, ControllersEndpoint = 2;

    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public DescribeClusterHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DescribeCluster;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<DescribeClusterResponse?> HandleAsync(RequestContext context, DescribeClusterRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        sbyte endpointType = v >= 1 ? request.EndpointType : BrokersEndpoint;
        if (endpointType != BrokersEndpoint)
        {
            bool controllers = endpointType == ControllersEndpoint;
            return new(new DescribeClusterResponse
            {
                ErrorCode = (short)(v == 0 ? ErrorCode.InvalidRequest : controllers ? ErrorCode.MismatchedEndpointType : ErrorCode.UnsupportedEndpointType),
                ErrorMessage = controllers
                    ? "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
                    : $"Unsupported endpoint type {endpointType}",
            });
        }
        var response = new DescribeClusterResponse
        {
            ErrorCode = 0,
            ErrorMessage = null,
            ClusterId = _cluster.ClusterId,
            ControllerId = _cluster.NodeId,
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations
                ? _auth.AuthorizedOperations(context, AclResourceType.Cluster, AclBinding.ClusterName) : AuthorizerExtensions.OperationsNotRequested,
        };
        foreach (var b in _cluster.PlacementFor(context.Session.Listener).Brokers)
        {
            response.Brokers.Add(new DescribeClusterResponse.DescribeClusterBroker { BrokerId = b.NodeId, Host = b.Host, Port = b.Port, Rack = b.Rack });
        }
        return new(response);
    }
}
