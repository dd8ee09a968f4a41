// DescribeLogDirs (key 35), v0-5 (v5: the directory is never cordoned, KIP-1066).
// One log directory, the data dir (absolute path), holding every partition. Null topics means all topics;
// requested topics or partitions that do not exist are left out, as Kafka does. Offset lag is always 0
// and there are no future logs (no AlterReplicaLogDirs). v4 adds the volume's total and usable bytes.
// With an authorizer: DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED (v3+) and no directories.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Reports the log directory and the size of each partition in it.</summary>
public sealed class DescribeLogDirsHandler : ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>
{
    private readonly ClusterView _cluster;
    private readonly string _logDir;
    private readonly IRequestAuthorizer _auth;

    public DescribeLogDirsHandler(ClusterView cluster, BrokerOptions options, IRequestAuthorizer auth)
    {
        _auth = auth;
        _cluster = cluster;
        _logDir = Path.GetFullPath(options.DataDir);
    }

    public override ApiKey Key => ApiKey.DescribeLogDirs;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<DescribeLogDirsResponse?> HandleAsync(RequestContext context, DescribeLogDirsRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.AuthorizeCluster(context, AclOperation.Describe))
        {
            return new(new DescribeLogDirsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed });
        }
        short v = context.ApiVersion;
        var dir = new DescribeLogDirsResponse.DescribeLogDirsResult { ErrorCode = 0, LogDir = _logDir };
        var response = new DescribeLogDirsResponse();
        response.Results.Add(dir);

        IEnumerable<(string Topic, IEnumerable<int>? Partitions)> wanted = request.Topics is null
            ? _cluster.Topics.Topics.Select(t => (t.Name, (IEnumerable<int>?)null))
            : request.Topics.GroupBy(t => t.Topic, StringComparer.Ordinal).Select(g => (g.Key, (IEnumerable<int>?)g.SelectMany(t => t.Partitions).Distinct()));
        foreach (var (name, partitions) in wanted)
        {
            var topic = _cluster.Topics.Get(name);
            if (topic is null) continue;
            var tr = new DescribeLogDirsResponse.DescribeLogDirsTopic { Name = name };
            foreach (int p in partitions ?? Enumerable.Range(0, topic.PartitionCount))
            {
                if (p < 0 || p >= topic.PartitionCount || _cluster.Topics.GetLog(name, p) is not { } log) continue;
                tr.Partitions.Add(new DescribeLogDirsResponse.DescribeLogDirsPartition { PartitionIndex = p, PartitionSize = log.SizeInBytes, OffsetLag = 0, IsFutureKey = false });
            }
            if (tr.Partitions.Count > 0) dir.Topics.Add(tr);
        }

        if (v >= 4)
        {
            try
            {
                var drive = new DriveInfo(_logDir);
                dir.TotalBytes = drive.TotalSize;
                dir.UsableBytes = drive.AvailableFreeSpace;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                dir.TotalBytes = -1;
                dir.UsableBytes = -1;
            }
        }
        return new(response);
    }
}
