// DescribeProducers (key 61), v0.
// The producers a partition's producer state knows (rebuilt from the log at first use after a restart): id,
// epoch, last sequence, last timestamp, coordinator epoch (-1 when rebuilt from the log) and the first offset
// of the open transaction. Kafka also expires idle producers (producer.id.expiration.ms); this broker does not.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes the active producers of partitions.</summary>
public sealed class DescribeProducersHandler : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    private readonly ClusterView _cluster;
    private readonly ProducerStateRegistry _producers;

    public DescribeProducersHandler(ClusterView cluster, ProducerStateRegistry producers)
    {
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
            foreach (int p in t.PartitionIndexes)
            {
                var pr = new DescribeProducersResponse.PartitionResponse { PartitionIndex = p };
                tr.Partitions.Add(pr);
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
