// AddPartitionsToTxn (key 24), v0-5.
// v0-3 (clients): adds the partitions to the producer's transaction, starting it; an unknown partition fails with
// UNKNOWN_TOPIC_OR_PARTITION and the others with OPERATION_NOT_ATTEMPTED, as Kafka does. v4+ (broker to broker,
// KIP-890) batches transactions; a verify-only entry reports per partition whether it is in the open transaction.
// PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH below v2 (KIP-588).
// With an authorizer: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and on each topic (TOPIC_AUTHORIZATION_FAILED, the rest OPERATION_NOT_ATTEMPTED); v4+ (broker to broker) needs CLUSTER_ACTION.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;
using static Chronik.Protocol.Messages.AddPartitionsToTxnRequest;
using static Chronik.Protocol.Messages.AddPartitionsToTxnResponse;

namespace Chronik.Broker.Handlers;

/// <summary>Adds partitions to transactions, or verifies they are part of one.</summary>
public sealed class AddPartitionsToTxnHandler : ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>
{
    private readonly ClusterView _cluster;
    private readonly TransactionCoordinatorService _txns;
    private readonly IRequestAuthorizer _auth;

    public AddPartitionsToTxnHandler(ClusterView cluster, TransactionCoordinatorService txns, IRequestAuthorizer auth)
    {
        _auth = auth;
        _cluster = cluster;
        _txns = txns;
    }

    public override ApiKey Key => ApiKey.AddPartitionsToTxn;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<AddPartitionsToTxnResponse?> HandleAsync(RequestContext context, AddPartitionsToTxnRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new AddPartitionsToTxnResponse();
        if (v <= 3)
        {
            response.ResultsByTopicV3AndBelow = Add(context, request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch, request.V3AndBelowTopics, v);
            return new(response);
        }
        if (!_auth.AuthorizeCluster(context, AclOperation.ClusterAction))
        {
            response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
            return new(response);
        }
        foreach (var txn in request.Transactions)
        {
            var result = new AddPartitionsToTxnResult { TransactionalId = txn.TransactionalId };
            result.TopicResults = txn.VerifyOnly
                ? Verify(txn, v)
                : Add(context, txn.TransactionalId, txn.ProducerId, txn.ProducerEpoch, txn.Topics, v);
            response.ResultsByTransaction.Add(result);
        }
        return new(response);
    }

    private List<AddPartitionsToTxnTopicResult> Add(RequestContext context, string txnId, long pid, short epoch, List<AddPartitionsToTxnTopic> topics, short v)
    {
        if (_auth.Enabled)
        {
            if (!_auth.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, txnId)) return Results(topics, (_, _) => ErrorCode.TransactionalIdAuthorizationFailed);
            var denied = topics.Where(t => !_auth.Authorize(context, AclOperation.Write, AclResourceType.Topic, t.Name)).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            if (denied.Count > 0)
            {
                return Results(topics, (name, p) => denied.Contains(name) ? ErrorCode.TopicAuthorizationFailed
                    : _cluster.Topics.Get(name) is { } t && p >= 0 && p < t.PartitionCount ? ErrorCode.OperationNotAttempted : ErrorCode.UnknownTopicOrPartition);
            }
        }
        var partitions = new List<TopicPartition>();
        bool unknown = false;
        foreach (var t in topics)
        {
            var topic = _cluster.Topics.Get(t.Name);
            foreach (int p in t.Partitions)
            {
                if (topic is null || p < 0 || p >= topic.PartitionCount) unknown = true;
                partitions.Add(new TopicPartition(t.Name, p));
            }
        }
        // v5 comes from a partition leader adding for a transactions-v2 producer (KIP-890 part 2).
        var error = unknown ? ErrorCode.None : _txns.AddPartitions(txnId, pid, epoch, partitions, transactionVersion: v >= 5 ? (short)2 : (short)0);
        if (error == ErrorCode.ProducerFenced && v < 2) error = ErrorCode.InvalidProducerEpoch;
        return Results(topics, (name, p) =>
        {
            if (!unknown) return error;
            var topic = _cluster.Topics.Get(name);
            return topic is null || p < 0 || p >= topic.PartitionCount ? ErrorCode.UnknownTopicOrPartition : ErrorCode.OperationNotAttempted;
        });
    }

    // v5 answers a partition outside the transaction TRANSACTION_ABORTABLE, as Kafka's coordinator does.
    private List<AddPartitionsToTxnTopicResult> Verify(AddPartitionsToTxnTransaction txn, short v) =>
        Results(txn.Topics, (name, p) => _txns.VerifyPartition(txn.TransactionalId, txn.ProducerId, txn.ProducerEpoch, new TopicPartition(name, p)) is var e
            && e == ErrorCode.InvalidTxnState && v >= 5 ? ErrorCode.TransactionAbortable : e);

    private static List<AddPartitionsToTxnTopicResult> Results(List<AddPartitionsToTxnTopic> topics, Func<string, int, ErrorCode> error)
    {
        var results = new List<AddPartitionsToTxnTopicResult>(topics.Count);
        foreach (var t in topics)
        {
            var tr = new AddPartitionsToTxnTopicResult { Name = t.Name };
            foreach (int p in t.Partitions) tr.ResultsByPartition.Add(new AddPartitionsToTxnPartitionResult { PartitionIndex = p, PartitionErrorCode = (short)error(t.Name, p) });
            results.Add(tr);
        }
        return results;
    }
}
