// AddOffsetsToTxn (key 25), v0-4.
// Adds a consumer group to the producer's transaction: its TxnOffsetCommits become visible when the transaction
// commits and are dropped when it aborts. PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH below v2 (KIP-588).
// With an authorizer: WRITE on the transactional id, READ on the group.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Adds a group's offsets to a transaction.</summary>
public sealed class AddOffsetsToTxnHandler : ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>
{
    private readonly TransactionCoordinatorService _txns;
    private readonly IRequestAuthorizer _auth;

    public AddOffsetsToTxnHandler(TransactionCoordinatorService txns, IRequestAuthorizer auth)
    {
        _txns = txns;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.AddOffsetsToTxn;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<AddOffsetsToTxnResponse?> HandleAsync(RequestContext context, AddOffsetsToTxnRequest request, CancellationToken cancellationToken)
    {
        if (!_auth.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId))
        {
            return new(new AddOffsetsToTxnResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed });
        }
        if (!_auth.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return new(new AddOffsetsToTxnResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
        }
        var error = string.IsNullOrEmpty(request.GroupId)
            ? ErrorCode.InvalidGroupId
            : _txns.AddOffsets(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId);
        if (error == ErrorCode.ProducerFenced && context.ApiVersion < 2) error = ErrorCode.InvalidProducerEpoch;
        return new(new AddOffsetsToTxnResponse { ErrorCode = (short)error });
    }
}
