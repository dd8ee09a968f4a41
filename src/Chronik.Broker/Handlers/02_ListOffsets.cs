// ListOffsets (key 2), v0-11.
// EARLIEST (-2) is the log start offset, LATEST (-1) the high watermark (the last stable offset for
// read_committed: the first offset of the earliest open transaction), MAX_TIMESTAMP (-3, v7+) the record with the largest
// timestamp, EARLIEST_LOCAL (-4, v8+) the log start offset; LATEST_TIERED (-5, v9+) and EARLIEST_PENDING_UPLOAD
// (-6, v11+, KIP-1023) are not-found (offset -1, leader epoch -1), as Kafka answers for a topic without tiered storage. A timestamp finds the first record whose timestamp is >= it: the time index gives the
// batch, which is then decoded. v0 answers in OldStyleOffsets.
// With an authorizer: DESCRIBE on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Broker.Handlers;

/// <summary>Finds offsets by position or timestamp.</summary>
public sealed class ListOffsetsHandler : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    private const long Latest = -1, Earliest = -2, MaxTimestamp = -3, EarliestLocal = -4, LatestTiered = -5, EarliestPendingUpload = -6;
    private readonly ClusterView _cluster;
    private readonly ProducerStateRegistry _producers;
    private readonly IRequestAuthorizer _auth;

    public ListOffsetsHandler(ClusterView cluster, ProducerStateRegistry producers, IRequestAuthorizer auth)
    {
        _auth = auth;
        _cluster = cluster;
        _producers = producers;
    }

    public override ApiKey Key => ApiKey.ListOffsets;
    public override short MinVersion => 0;
    public override short MaxVersion => 11;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new ListOffsetsResponse();
        foreach (var t in request.Topics)
        {
            var tr = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = t.Name };
            response.Topics.Add(tr);
            var topic = _cluster.Topics.Get(t.Name);
            bool allowed = _auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, t.Name);
            foreach (var p in t.Partitions)
            {
                var pr = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = p.PartitionIndex };
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
                if (v >= 4 && p.CurrentLeaderEpoch > ClusterView.LeaderEpoch)
                {
                    pr.ErrorCode = (short)ErrorCode.UnknownLeaderEpoch;
                    continue;
                }
                long ts, offset;
                try
                {
                    (ts, offset) = p.Timestamp == Latest && v >= 2 && request.IsolationLevel == 1
                        ? (-1, Math.Min(_producers.For(log).LastStableOffset, log.HighWatermark))
                        : Lookup(log, p.Timestamp);
                }
                catch (Exception e) when (e is ObjectDisposedException or IOException)
                {
                    // Deleted while this request was on its way, or its files unreadable (descriptors exhausted).
                    pr.ErrorCode = (short)(e is IOException ? ErrorCode.KafkaStorageError : ErrorCode.UnknownTopicOrPartition);
                    continue;
                }
                if (v == 0)
                {
                    if (offset >= 0 && p.MaxNumOffsets > 0) pr.OldStyleOffsets.Add(offset);
                    continue;
                }
                pr.Timestamp = ts;
                pr.Offset = offset;
                if (v >= 4) pr.LeaderEpoch = offset >= 0 ? ClusterView.LeaderEpoch : -1;
            }
        }
        return new(response);
    }

    private static (long Timestamp, long Offset) Lookup(IPartitionLog log, long timestamp)
    {
        switch (timestamp)
        {
            case Latest:
                return (-1, log.HighWatermark);
            case Earliest:
            case EarliestLocal:
                return (-1, log.LogStartOffset);
            case LatestTiered:
            case EarliestPendingUpload:
                return (-1, -1);
            case MaxTimestamp:
                return log.GetMaxTimestamp() is { } max ? ExactMax(log, max) : (-1, -1);
            default:
                return log.FindOffsetByTimestamp(timestamp) is { } found ? Exact(log, found.Offset, timestamp) : (-1, -1);
        }
    }

    /// <summary>Decodes the batch the index pointed at and returns the first record at or after the timestamp.</summary>
    private static (long, long) Exact(IPartitionLog log, long batchOffset, long target)
    {
        long hw = log.HighWatermark;
        for (long offset = batchOffset; offset < hw;)
        {
            using var read = log.Read(offset, 1, hw);
            if (read.Error != LogError.None || read.Length == 0) break;
            long before = offset;
            foreach (var entry in new RecordBatchEnumerator(read.Records.Span))
            {
                if (entry.Header.IsControl) { offset = entry.Header.LastOffset + 1; continue; }
                using var batch = DecodedRecordBatch.Open(entry.Bytes);
                var header = batch.Header;
                foreach (var record in batch)
                {
                    long ts = record.Timestamp(header);
                    if (ts >= target && record.Offset(header) >= log.LogStartOffset) return (ts, record.Offset(header));
                }
                offset = header.LastOffset + 1;
            }
            if (offset == before) break;
        }
        return (-1, -1);
    }

    private static (long, long) ExactMax(IPartitionLog log, TimestampAndOffset max)
    {
        var (ts, offset) = Exact(log, max.Offset, max.Timestamp);
        return offset >= 0 ? (ts, offset) : (max.Timestamp, max.Offset);
    }
}
