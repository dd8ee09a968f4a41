// DescribeProducers (key 61), v0.
// The producers a partition's producer state knows (loaded from its snapshot and the log after it at start-up):
// id, epoch, last sequence, last timestamp, coordinator epoch and the first offset of the open transaction; idle
// producers expire after producer.id.expiration.ms. With an authorizer: READ on the topic, else
// TOPIC_AUTHORIZATION_FAILED for its partitions.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes the active producers of partitions.</summary>
public sealed class DescribeProducersHandler : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    private readonly ClusterView _cluster;
    private readonly ProducerStateRegistry _producers;
    private readonly IRequestAuthorizer _auth;

    public DescribeProducersHandler(ClusterView cluster, ProducerStateRegistry producers, IRequestAuthorizer auth)
    {
        _auth = auth;
        _cluster = cluster;
        _producers = producers;
    }

    public override ApiKey Key => ApiKey.DescribeProducers;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<DescribeProducersResponse?> HandleAsync(RequestContext context, DescribeProducersRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeProducersResponse();
        foreach (var t in request.Topics)
        {
            var tr = new DescribeProducersResponse.TopicResponse { Name = t.Name };
            response.Topics.Add(tr);
            var topic = _cluster.Topics.Get(t.Name);
            bool allowed = _auth.Authorize(context, Coordination.Acls.AclOperation.Read, Coordination.Acls.AclResourceType.Topic, t.Name);
            foreach (int p in t.PartitionIndexes)
            {
                var pr = new DescribeProducersResponse.PartitionResponse { PartitionIndex = p };
                tr.Partitions.Add(pr);
                if (!allowed)
                {
                    pr.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                    continue;
                }
                var log = topic is not null && p >= 0 && p < topic.PartitionCount ? _cluster.Topics.GetLog(topic.Name, p) : null;
                if (log is null)
                {
                    pr.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                foreach (var s in _producers.For(log).Snapshot())
                {
                    pr.ActiveProducers.Add(new DescribeProducersResponse.ProducerState
                    {
                        ProducerId = s.ProducerId, ProducerEpoch = s.Epoch, LastSequence = s.LastSequence,
                        LastTimestamp = s.LastTimestamp, CoordinatorEpoch = s.CoordinatorEpoch, CurrentTxnStartOffset = s.CurrentTxnStartOffset,
                    });
                }
            }
        }
        return new(response);
    }
}
