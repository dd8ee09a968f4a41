// InitProducerId (key 22), v0-5.
// Without a transactional id: a new producer id (never reused: blocks persisted by ProducerIdManager), epoch 0.
// With one: the transaction coordinator (Coordination/Transactions) bumps the epoch, fencing older instances and
// aborting their open transaction; a timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT.
// v6 (KIP-939, two-phase commit) is not advertised: Kafka 4.3 marks it latestVersionUnstable and serves it only with
// unstable.api.versions.enable, so a 4.3 client never sends it to a Kafka broker either.
// With an authorizer: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic (CLUSTER_AUTHORIZATION_FAILED), as Kafka 3+.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Allocates producer ids and epochs for idempotent and transactional producers.</summary>
public sealed class InitProducerIdHandler : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    private readonly ProducerIdManager _ids;
    private readonly TransactionCoordinatorService _txns;
    private readonly IRequestAuthorizer _auth;

    public InitProducerIdHandler(ProducerIdManager ids, TransactionCoordinatorService txns, IRequestAuthorizer auth)
    {
        _auth = auth;
        _ids = ids;
        _txns = txns;
    }

    public override ApiKey Key => ApiKey.InitProducerId;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId is null)
        {
            if (_auth.Enabled && !_auth.AuthorizeCluster(context, AclOperation.IdempotentWrite)
                && !_auth.AuthorizeByResourceType(context, AclOperation.Write, AclResourceType.Topic))
            {
                return new(Error(ErrorCode.ClusterAuthorizationFailed));
            }
            return new(new InitProducerIdResponse { ProducerId = _ids.Next(), ProducerEpoch = 0 });
        }
        if (!_auth.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId)) return new(Error(ErrorCode.TransactionalIdAuthorizationFailed));
        if (request.TransactionalId.Length == 0) return new(Error(ErrorCode.InvalidRequest));
        return Transactional(context.ApiVersion, request);
    }

    private async ValueTask<InitProducerIdResponse?> Transactional(short version, InitProducerIdRequest request)
    {
        var r = await _txns.InitProducerIdAsync(request.TransactionalId!, request.TransactionTimeoutMs, request.ProducerId, request.ProducerEpoch).ConfigureAwait(false);
        var error = r.Error == ErrorCode.ProducerFenced && version < 4 ? ErrorCode.InvalidProducerEpoch : r.Error;
        return error == ErrorCode.None ? new InitProducerIdResponse { ProducerId = r.ProducerId, ProducerEpoch = r.ProducerEpoch } : Error(error);
    }

    private static InitProducerIdResponse Error(ErrorCode error) => new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
