// Produce (key 0), advertised v0-13; v0-2 are answered with UNSUPPORTED_VERSION per partition, as Kafka 4
// does (it keeps min 0 advertised because old librdkafka derives compression support from it, KAFKA-18659).
// v13 names topics by id (KIP-516); an unknown id is UNKNOWN_TOPIC_ID in each of its partitions.
// Batches are validated without decompressing (length, magic 2, CRC-32C) and appended as received; the
// append is issued synchronously in request order, then the response waits for durability (group commit).
// acks=0 gets no response at all. Batches with a producer id go through the partition's producer state
// (Producers/PartitionProducerState.cs): sequence and epoch checks and the append are atomic per partition; a
// retry of one of the last five batches is answered with its original offset and not written again. A
// transactional batch must belong to a partition added to the producer's open transaction (INVALID_TXN_STATE
// otherwise, TRANSACTION_ABORTABLE from v11); that check runs under the same partition lock, so no marker slips
// between it and the append. v12+ (transactions v2, KIP-890 part 2): the partition is first added to the transaction by
// the coordinator (TransactionCoordinatorService.AddPartitionFromProduce), starting one if none is open.
// On a compacted topic (cleanup.policy contains compact) the batch is decoded once to reject keyless records
// with INVALID_RECORD, as Kafka does; other topics are never decompressed here.
// A write the disk refuses (no space, too many open files) answers that partition KAFKA_STORAGE_ERROR with nothing
// appended; the next append works once the resource is back.
// Quotas: with a producer_byte_rate in effect the request size is counted for its (user, client-id); a violation
// sets throttle_time_ms and mutes the connection for that time (Services/ClientQuotas.cs).
// With an authorizer: WRITE on the transactional id (else every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
// and WRITE on each topic (TOPIC_AUTHORIZATION_FAILED, checked before the topic's existence), as Kafka.
using System.Runtime.InteropServices;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Handlers;

/// <summary>Validates produced batches and appends them to the partition logs.</summary>
public sealed class ProduceHandler : ApiHandler<ProduceRequest, ProduceResponse>
{
    private readonly ClusterView _cluster;
    private readonly ProducerStateRegistry _producers;
    private readonly TransactionCoordinatorService _txns;
    private readonly ClientQuotas _quotas;
    private readonly IRequestAuthorizer _auth;

    public ProduceHandler(ClusterView cluster, ProducerStateRegistry producers, TransactionCoordinatorService txns, ClientQuotas quotas, IRequestAuthorizer auth)
    {
        _quotas = quotas;
        _auth = auth;
        _cluster = cluster;
        _producers = producers;
        _txns = txns;
    }

    public override ApiKey Key => ApiKey.Produce;
    public override short MinVersion => 0;
    public override short MaxVersion => 13;

    protected override ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        if (_quotas.Snapshot.HasProducerQuotas) Throttle(context, response);
        List<(ProduceResponse.PartitionProduceResponse Slot, ValueTask<AppendResult> Append)>? appends = null;
        var denied = request.TransactionalId is { } txnId && !_auth.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, txnId)
            ? ErrorCode.TransactionalIdAuthorizationFailed : ErrorCode.None;
        foreach (var topicData in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topicData.Name, TopicId = topicData.TopicId };
            response.Responses.Add(topicResponse);
            // v13 names the topic by id (KIP-516): resolved to its name once here, so the rest reads Name as before.
            var topic = context.ApiVersion >= 13 ? _cluster.Topics.Get(topicData.TopicId) : _cluster.Topics.Get(topicData.Name);
            if (context.ApiVersion >= 13) topicData.Name = topic?.Name ?? "";
            var topicDenied = denied != ErrorCode.None ? denied
                : topic is null && context.ApiVersion >= 13 ? ErrorCode.UnknownTopicId
                : _auth.Authorize(context, AclOperation.Write, AclResourceType.Topic, topicData.Name) ? ErrorCode.None : ErrorCode.TopicAuthorizationFailed;
            foreach (var pd in topicData.PartitionData)
            {
                var slot = new ProduceResponse.PartitionProduceResponse { Index = pd.Index, BaseOffset = -1 };
                topicResponse.PartitionResponses.Add(slot);
                if (topicDenied != ErrorCode.None)
                {
                    slot.ErrorCode = (short)topicDenied;
                    continue;
                }
                var error = Check(context.ApiVersion, request.Acks, request.TransactionalId, topic, pd, out var log, out var summary);
                if (error != ErrorCode.None)
                {
                    slot.ErrorCode = (short)error;
                    continue;
                }
                var bytes = MemoryMarshal.AsMemory(pd.Records!.Value);
                bool corrupt = false;
                if (IsCompacted(topic!) && KeylessRecords(bytes.Span, out corrupt) is { } keyless)
                {
                    // Kafka (LogValidator.validateKey): INVALID_RECORD naming the partition, with every keyless record's
                    // index, so clients fail those records and retry the rest (INVALID_DIFFERENT_RECORD).
                    string message = $"Compacted topic cannot accept message without key in topic partition {topicData.Name}-{pd.Index}.";
                    slot.ErrorCode = (short)ErrorCode.InvalidRecord;
                    slot.ErrorMessage = message;
                    foreach (int index in keyless) slot.RecordErrors.Add(new ProduceResponse.BatchIndexAndErrorMessage { BatchIndex = index, BatchIndexErrorMessage = message });
                    continue;
                }
                else if (corrupt)
                {
                    slot.ErrorCode = (short)ErrorCode.CorruptMessage;
                    continue;
                }
                bool transactional = summary.IsTransactional;
                if (transactional && context.ApiVersion >= 12)
                {
                    // Transactions v2: the partition joins the transaction here, with no AddPartitionsToTxn.
                    var added = _txns.AddPartitionFromProduce(request.TransactionalId!, summary.ProducerId, summary.ProducerEpoch, topicData.Name, pd.Index);
                    if (added != ErrorCode.None)
                    {
                        slot.ErrorCode = (short)TransactionError(added, context.ApiVersion);
                        continue;
                    }
                }
                Func<RecordBatchHeader, ErrorCode>? verify = transactional
                    ? h => _txns.VerifyProduce(h.ProducerId, h.ProducerEpoch, topicData.Name, pd.Index)
                    : null;
                ProducerAppend outcome;
                try
                {
                    outcome = _producers.For(log!).Append(bytes, verify, AppendOptions.Default, cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    // The topic was deleted while this request was on its way: retriable, the client refreshes its metadata.
                    slot.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                if (outcome.Error != ErrorCode.None)
                {
                    slot.ErrorCode = (short)(transactional ? TransactionError(outcome.Error, context.ApiVersion) : outcome.Error);
                    continue;
                }
                if (outcome.Duplicate is { } dup)
                {
                    // Kafka answers a duplicate with success and the offsets the batch got the first time.
                    slot.BaseOffset = dup.FirstOffset;
                    slot.LogStartOffset = log!.LogStartOffset;
                    continue;
                }
                var task = outcome.Append;
                if (task.IsCompletedSuccessfully) Fill(slot, task.Result);
                else (appends ??= []).Add((slot, task));
            }
        }
        if (request.Acks == 0)
        {
            // No response on the wire, but keep the appends observed so failures are not lost silently.
            return appends is null ? new((ProduceResponse?)null) : AwaitNoResponse(appends);
        }
        return appends is null ? new(response) : AwaitAll(response, appends);
    }

    /// <summary>
    /// The answer to a transactional batch the transaction refused. Before v12 an old epoch is answered PRODUCER_FENCED
    /// (this broker's TV1 behaviour); v12+ (TV2) answers INVALID_PRODUCER_EPOCH, as Kafka maps its coordinator's
    /// PRODUCER_FENCED (AddPartitionsToTxnManager), which TV2 producers treat as abortable. A partition outside the
    /// transaction is TRANSACTION_ABORTABLE from v11 (KIP-890 part 1), INVALID_TXN_STATE below; CONCURRENT_TRANSACTIONS
    /// becomes NOT_ENOUGH_REPLICAS, a retriable error every client retries (Kafka's ReplicaManager).
    /// </summary>
    private static ErrorCode TransactionError(ErrorCode error, short version) => error switch
    {
        ErrorCode.InvalidProducerEpoch or ErrorCode.ProducerFenced => version >= 12 ? ErrorCode.InvalidProducerEpoch : ErrorCode.ProducerFenced,
        ErrorCode.InvalidTxnState when version >= 11 => ErrorCode.TransactionAbortable,
        ErrorCode.ConcurrentTransactions => ErrorCode.NotEnoughReplicas,
        _ => error,
    };

    private void Throttle(RequestContext context, ProduceResponse response)
    {
        int throttleMs = _quotas.Produce.RecordAndGetThrottleTimeMs(ClientQuotas.UserOf(context), context.ClientId, context.RequestBytes, _quotas.NowMs());
        if (throttleMs <= 0) return;
        response.ThrottleTimeMs = throttleMs;
        context.ThrottleChannel(throttleMs);
    }

    private async ValueTask<ProduceResponse?> AwaitAll(ProduceResponse response, List<(ProduceResponse.PartitionProduceResponse Slot, ValueTask<AppendResult> Append)> appends)
    {
        foreach (var (slot, append) in appends)
        {
            try
            {
                Fill(slot, await append.ConfigureAwait(false));
            }
            catch (IOException e)
            {
                slot.ErrorCode = (short)ErrorCode.KafkaStorageError;
                slot.ErrorMessage = e.Message;
            }
            catch (ObjectDisposedException)
            {
                slot.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            }
        }
        return response;
    }

    private async ValueTask<ProduceResponse?> AwaitNoResponse(List<(ProduceResponse.PartitionProduceResponse Slot, ValueTask<AppendResult> Append)> appends)
    {
        foreach (var (_, append) in appends)
        {
            try { await append.ConfigureAwait(false); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }
        return null;
    }

    private static void Fill(ProduceResponse.PartitionProduceResponse slot, AppendResult r)
    {
        slot.ErrorCode = (short)(r.Error switch
        {
            LogError.None => ErrorCode.None,
            LogError.MessageTooLarge => ErrorCode.MessageTooLarge,
            LogError.CorruptMessage => ErrorCode.CorruptMessage,
            LogError.StorageError => ErrorCode.KafkaStorageError,
            _ => ErrorCode.UnknownServerError,
        });
        slot.BaseOffset = r.Error == LogError.None ? r.BaseOffset : -1;
        slot.LogAppendTimeMs = r.LogAppendTime;
        slot.LogStartOffset = r.LogStartOffset;
    }

    private bool IsCompacted(Coordination.Topics.TopicInfo topic) =>
        _cluster.Topics.EffectiveConfig(topic, TopicConfigKeys.CleanupPolicy.Name) is { } policy
        && policy.Split(',', StringSplitOptions.TrimEntries).Contains("compact", StringComparer.Ordinal);

    /// <summary>Indexes of the records with a null key in the (already validated) batches, or null if none; decodes only compacted topics' batches.</summary>
    private static List<int>? KeylessRecords(ReadOnlySpan<byte> records, out bool corrupt)
    {
        corrupt = false;
        List<int>? keyless = null;
        int index = 0;
        try
        {
            foreach (var entry in new RecordBatchEnumerator(records))
            {
                using var batch = DecodedRecordBatch.Open(entry.Bytes);
                foreach (var record in batch)
                {
                    if (record.KeyIsNull) (keyless ??= []).Add(index);
                    index++;
                }
            }
        }
        catch (Exception e) when (e is CorruptRecordException or Chronik.Protocol.Compression.CompressionException)
        {
            corrupt = true;
            return null;
        }
        return keyless;
    }

    private ErrorCode Check(short version, short acks, string? transactionalId, Coordination.Topics.TopicInfo? topic,
        ProduceRequest.PartitionProduceData pd, out IPartitionLog? log, out RecordBatchSummary summary)
    {
        log = null;
        summary = default;
        if (version < 3) return ErrorCode.UnsupportedVersion;
        if (acks is not (0 or 1 or -1)) return ErrorCode.InvalidRequiredAcks;
        if (topic is null || pd.Index < 0 || pd.Index >= topic.PartitionCount) return ErrorCode.UnknownTopicOrPartition;
        log = _cluster.Topics.GetLog(topic.Name, pd.Index);
        if (log is null) return ErrorCode.UnknownTopicOrPartition;
        if (pd.Records is not { Length: > 0 } records) return ErrorCode.CorruptMessage;
        var result = RecordBatchValidator.Validate(records.Span, out summary);
        if (result == RecordValidationResult.CorruptMessage) return ErrorCode.CorruptMessage;
        if (result != RecordValidationResult.Valid) return ErrorCode.InvalidRecord;
        // Kafka: produce v3+ must carry exactly one record batch per partition.
        if (summary.BatchCount != 1) return ErrorCode.InvalidRecord;
        if (summary.IsControl || summary.MixedProducers) return ErrorCode.InvalidRecord;
        // Kafka: a transactional batch needs the request's transactional id, and a producer id.
        if (summary.IsTransactional && (transactionalId is null || summary.ProducerId < 0)) return ErrorCode.InvalidRecord;
        if (summary.IsTransactional && _txns.TransactionalIdOf(summary.ProducerId) is { } owner && owner != transactionalId) return ErrorCode.InvalidProducerIdMapping;
        // One batch (checked above), so the validated byte count is that batch's size.
        if (summary.TotalBytes > log.Config.MaxMessageBytes) return ErrorCode.MessageTooLarge;
        return ErrorCode.None;
    }
}
