// DeleteRecords (key 21), v0-2.
// Moves a partition's log start offset up to the requested offset (-1 = the high watermark) and drops
// whole segments below it; returns the new low watermark. An offset beyond the high watermark or negative
// is OFFSET_OUT_OF_RANGE; Kafka's internal topics are refused with INVALID_TOPIC_EXCEPTION. There are no
// followers, so the response is immediate (the timeout is unused).
// With an authorizer: DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;
using Chronik.Storage;

namespace Chronik.Broker.Handlers;

/// <summary>Deletes records below an offset by advancing the log start offset.</summary>
public sealed class DeleteRecordsHandler : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    private const long HighWatermarkOffset = -1, InvalidLowWatermark = -1;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public DeleteRecordsHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DeleteRecords;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse();
        foreach (var t in request.Topics)
        {
            var tr = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = t.Name };
            response.Topics.Add(tr);
            var topic = _cluster.Topics.Get(t.Name);
            bool allowed = _auth.Authorize(context, AclOperation.Delete, AclResourceType.Topic, t.Name);
            foreach (var p in t.Partitions)
            {
                var pr = new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = p.PartitionIndex, LowWatermark = InvalidLowWatermark };
                tr.Partitions.Add(pr);
                if (!allowed)
                {
                    pr.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                    continue;
                }
                var log = topic is not null && p.PartitionIndex >= 0 && p.PartitionIndex < topic.PartitionCount ? _cluster.Topics.GetLog(topic.Name, p.PartitionIndex) : null;
                if (log is null)
                {
                    pr.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                if (t.Name is "__consumer_offsets" or "__transaction_state" or "__share_group_state")
                {
                    pr.ErrorCode = (short)ErrorCode.InvalidTopicException;
                    continue;
                }
                var (error, low) = Delete(log, p.Offset);
                pr.ErrorCode = (short)error;
                if (error == ErrorCode.None) pr.LowWatermark = low;
            }
        }
        return new(response);
    }

    private static (ErrorCode, long) Delete(IPartitionLog log, long requested)
    {
        long offset = requested == HighWatermarkOffset ? log.HighWatermark : requested;
        if (offset < 0 || offset > log.HighWatermark) return (ErrorCode.OffsetOutOfRange, InvalidLowWatermark);
        try
        {
            var result = log.DeleteRecordsBefore(offset);
            return result.Error switch
            {
                LogError.None => (ErrorCode.None, result.LowWatermark),
                LogError.OffsetOutOfRange => (ErrorCode.OffsetOutOfRange, InvalidLowWatermark),
                _ => (ErrorCode.UnknownServerError, InvalidLowWatermark),
            };
        }
        catch (IOException)
        {
            return (ErrorCode.KafkaStorageError, InvalidLowWatermark);
        }
        catch (ObjectDisposedException)
        {
            // The topic was deleted while this request was on its way.
            return (ErrorCode.UnknownTopicOrPartition, InvalidLowWatermark);
        }
    }
}
