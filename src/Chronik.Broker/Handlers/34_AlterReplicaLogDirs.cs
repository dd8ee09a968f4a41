// AlterReplicaLogDirs (key 34), v0-2.
// This broker has one log dir, its data dir (as DescribeLogDirs reports it). Moving a replica there is a no-op
// success (it is already there); any other path answers LOG_DIR_NOT_FOUND for each named partition, as Kafka does for
// a dir not in log.dirs; unknown topics or partitions UNKNOWN_TOPIC_OR_PARTITION. With an authorizer: ALTER on the
// cluster, else CLUSTER_AUTHORIZATION_FAILED for every partition.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers replica moves between log dirs for a broker with one log dir.</summary>
public sealed class AlterReplicaLogDirsHandler : ApiHandler<AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse>
{
    private readonly ClusterView _cluster;
    private readonly string _logDir;
    private readonly IRequestAuthorizer _auth;

    public AlterReplicaLogDirsHandler(ClusterView cluster, BrokerOptions options, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
        _logDir = Normalize(options.DataDir);
    }

    public override ApiKey Key => ApiKey.AlterReplicaLogDirs;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<AlterReplicaLogDirsResponse?> HandleAsync(RequestContext context, AlterReplicaLogDirsRequest request, CancellationToken cancellationToken)
    {
        var response = new AlterReplicaLogDirsResponse();
        bool allowed = _auth.AuthorizeCluster(context, Coordination.Acls.AclOperation.Alter);
        foreach (var dir in request.Dirs)
        {
            bool ours = Path.IsPathFullyQualified(dir.Path) && string.Equals(Normalize(dir.Path), _logDir, StringComparison.Ordinal);
            foreach (var requested in dir.Topics)
            {
                var result = new AlterReplicaLogDirsResponse.AlterReplicaLogDirTopicResult { TopicName = requested.Name };
                var topic = _cluster.Topics.Get(requested.Name);
                foreach (int p in requested.Partitions)
                {
                    var error = !allowed ? ErrorCode.ClusterAuthorizationFailed
                        : !ours ? ErrorCode.LogDirNotFound
                        : topic is null || p < 0 || p >= topic.PartitionCount ? ErrorCode.UnknownTopicOrPartition
                        : ErrorCode.None;
                    result.Partitions.Add(new AlterReplicaLogDirsResponse.AlterReplicaLogDirPartitionResult { PartitionIndex = p, ErrorCode = (short)error });
                }
                response.Results.Add(result);
            }
        }
        return new(response);
    }

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
