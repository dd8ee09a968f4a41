// OffsetForLeaderEpoch (key 23), v0-4.
// Every partition has had one leader epoch, 0, since offset 0 (its start moves with the log start
// offset). Epoch 0 ends at the log end offset; a larger epoch or -1 is UNDEFINED (epoch -1, offset -1);
// an epoch below -1 gets that epoch and the log start offset, as Kafka's epoch cache answers. v2+
// current_leader_epoch: -1 skips the check, above 0 is UNKNOWN_LEADER_EPOCH, below is FENCED_LEADER_EPOCH.
// With an authorizer: DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers the end offset of a leader epoch (used by consumers to detect truncation).</summary>
public sealed class OffsetForLeaderEpochHandler : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    private const int UndefinedEpoch = -1;
    private const long UndefinedOffset = -1;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public OffsetForLeaderEpochHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.OffsetForLeaderEpoch;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<OffsetForLeaderEpochResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new OffsetForLeaderEpochResponse();
        foreach (var t in request.Topics)
        {
            var tr = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = t.Topic };
            response.Topics.Add(tr);
            var topic = _cluster.Topics.Get(t.Topic);
            bool allowed = _auth.Authorize(context, Coordination.Acls.AclOperation.Describe, Coordination.Acls.AclResourceType.Topic, t.Topic);
            foreach (var p in t.Partitions)
            {
                var pr = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = p.Partition, LeaderEpoch = UndefinedEpoch, EndOffset = UndefinedOffset };
                tr.Partitions.Add(pr);
                if (!allowed)
                {
                    pr.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                    continue;
                }
                var log = topic is not null && p.Partition >= 0 && p.Partition < topic.PartitionCount ? _cluster.Topics.GetLog(topic.Name, p.Partition) : null;
                if (log is null)
                {
                    pr.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                int current = v >= 2 ? p.CurrentLeaderEpoch : -1;
                if (current != -1 && current != ClusterView.LeaderEpoch)
                {
                    pr.ErrorCode = (short)(current > ClusterView.LeaderEpoch ? ErrorCode.UnknownLeaderEpoch : ErrorCode.FencedLeaderEpoch);
                    continue;
                }
                int epoch;
                long end;
                if (p.LeaderEpoch == ClusterView.LeaderEpoch) (epoch, end) = (ClusterView.LeaderEpoch, log.LogEndOffset);
                else if (p.LeaderEpoch < UndefinedEpoch) (epoch, end) = (p.LeaderEpoch, log.LogStartOffset);
                else (epoch, end) = (UndefinedEpoch, UndefinedOffset);
                // LeaderEpoch exists from v1; at v0 it must stay at its default.
                if (v >= 1) pr.LeaderEpoch = epoch;
                pr.EndOffset = end;
            }
        }
        return new(response);
    }
}
