// TxnOffsetCommit (key 28), v0-5 (v5 is v4 on the wire: its codec is read as v4).
// Checks the producer's transaction (it must have added the group with AddOffsetsToTxn, or v5+ adds it implicitly,
// transactions v2; a group outside the transaction is TRANSACTION_ABORTABLE from v4, INVALID_TXN_STATE below), then the group
// (KIP-447, v3+: member, static instance and generation; generation -1 with no member is not checked), and
// records the offsets in the transaction (persisted with it). They reach the group coordinator when the
// transaction commits and are dropped when it aborts; until then OffsetFetch with require_stable answers
// UNSTABLE_OFFSET_COMMIT. PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH below v3 (KIP-588).
// With an authorizer: WRITE on the transactional id, READ on the group (whole request), READ on each topic (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Commits consumer offsets inside a transaction.</summary>
public sealed class TxnOffsetCommitHandler : ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>
{
    private readonly ClusterView _cluster;
    private readonly TransactionCoordinatorService _txns;
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;

    public TxnOffsetCommitHandler(ClusterView cluster, TransactionCoordinatorService txns, GroupCoordinatorService groups, IRequestAuthorizer auth)
    {
        _auth = auth;
        _cluster = cluster;
        _txns = txns;
        _groups = groups;
    }

    public override ApiKey Key => ApiKey.TxnOffsetCommit;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<TxnOffsetCommitResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest r, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var error = !_auth.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, r.TransactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : !_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, r.GroupId) ? ErrorCode.GroupAuthorizationFailed
            : ErrorCode.None;
        bool authorized = error == ErrorCode.None;
        // v5 (transactions v2): the commit adds the group to the transaction itself, with no AddOffsetsToTxn.
        if (authorized && v >= 5) error = _txns.AddOffsets(r.TransactionalId, r.ProducerId, r.ProducerEpoch, r.GroupId, transactionVersion: 2);
        if (authorized && error == ErrorCode.None) error = _txns.VerifyGroup(r.TransactionalId, r.ProducerId, r.ProducerEpoch, r.GroupId);
        // KIP-890 part 1: v4+ clients take a group outside the transaction as abortable.
        if (error == ErrorCode.InvalidTxnState && v >= 4) error = ErrorCode.TransactionAbortable;
        if (error == ErrorCode.None && v >= 3)
        {
            error = _groups.Read(c => c.ValidateTransactionalCommit(r.GroupId, r.GenerationId, r.MemberId, r.GroupInstanceId));
        }
        var offsets = new List<PendingTxnOffset>();
        var unknown = new HashSet<(string, int)>();
        var denied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in r.Topics)
        {
            if (authorized && !_auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name))
            {
                denied.Add(t.Name);
                continue;
            }
            var topic = _cluster.Topics.Get(t.Name);
            foreach (var p in t.Partitions)
            {
                if (topic is null || p.PartitionIndex < 0 || p.PartitionIndex >= topic.PartitionCount) unknown.Add((t.Name, p.PartitionIndex));
                else offsets.Add(new PendingTxnOffset(r.GroupId, t.Name, p.PartitionIndex, p.CommittedOffset, v >= 2 ? p.CommittedLeaderEpoch : -1, p.CommittedMetadata ?? ""));
            }
        }
        if (error == ErrorCode.None && offsets.Count > 0) error = _txns.AddTxnOffsets(r.TransactionalId, r.ProducerId, r.ProducerEpoch, r.GroupId, offsets);
        if (error == ErrorCode.ProducerFenced && v < 3) error = ErrorCode.InvalidProducerEpoch;
        var response = new TxnOffsetCommitResponse();
        foreach (var t in r.Topics)
        {
            var rt = new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic { Name = t.Name };
            foreach (var p in t.Partitions)
            {
                var e = denied.Contains(t.Name) ? ErrorCode.TopicAuthorizationFailed : unknown.Contains((t.Name, p.PartitionIndex)) ? ErrorCode.UnknownTopicOrPartition : error;
                rt.Partitions.Add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)e });
            }
            response.Topics.Add(rt);
        }
        return new(response);
    }
}
