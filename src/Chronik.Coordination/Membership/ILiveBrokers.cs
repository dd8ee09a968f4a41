namespace Chronik.Coordination.Membership;

/// <summary>A live broker as Metadata and DescribeCluster present it: node id, advertised listener, rack.</summary>
public sealed record LiveBroker(int NodeId, string Host, int Port, string? Rack);

/// <summary>
/// The brokers of the cluster that are live now, by node id, this broker always among them. A single-node broker is
/// its only member; a cluster member reads the shared brokers table on its heartbeat timer and serves the cached list,
/// so no request waits on a query.
/// </summary>
public interface ILiveBrokers
{
    /// <summary>The current list, sorted by node id; replaced whole, never changed in place, so a caller may keep it for one request.</summary>
    IReadOnlyList<LiveBroker> Brokers { get; }
}
