// EndTxn (key 26), v0-5.
// Commits or aborts the producer's open transaction: PrepareCommit/PrepareAbort is persisted, the markers are
// written to every partition of the transaction (and its offsets completed), then Complete* is persisted and the
// request answered — Kafka answers after Prepare* and writes markers asynchronously. A retry after completion
// succeeds; PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH below v2 (KIP-588).
// v5 (transactions v2, KIP-890 part 2): every commit and abort bumps the epoch (a new producer id at epoch 0 once the
// epochs run out), the markers carry the new epoch and the response the id and epoch to go on with; an abort needs no
// open transaction, and a retry with the epoch just before the current one is answered as the completed call.
// The version decides, not the finalized transaction.version: a client sends v5 only when it sees level 2 finalized.
// With an authorizer: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Ends transactions.</summary>
public sealed class EndTxnHandler : ApiHandler<EndTxnRequest, EndTxnResponse>
{
    private readonly TransactionCoordinatorService _txns;
    private readonly IRequestAuthorizer _auth;

    public EndTxnHandler(TransactionCoordinatorService txns, IRequestAuthorizer auth)
    {
        _txns = txns;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.EndTxn;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override async ValueTask<EndTxnResponse?> HandleAsync(RequestContext context, EndTxnRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId))
        {
            return new EndTxnResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed, ProducerId = -1, ProducerEpoch = -1 };
        }
        if (context.ApiVersion >= 5)
        {
            var bumped = await _txns.EndTransactionBumpingEpochAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed).ConfigureAwait(false);
            return new EndTxnResponse { ErrorCode = (short)bumped.Error, ProducerId = bumped.ProducerId, ProducerEpoch = bumped.ProducerEpoch };
        }
        var error = await _txns.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed).ConfigureAwait(false);
        if (error == ErrorCode.ProducerFenced && context.ApiVersion < 2) error = ErrorCode.InvalidProducerEpoch;
        return new EndTxnResponse { ErrorCode = (short)error, ProducerId = request.ProducerId, ProducerEpoch = request.ProducerEpoch };
    }
}
