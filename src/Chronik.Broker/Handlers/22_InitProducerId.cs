// InitProducerId (key 22), v0-5.
// Without a transactional id: a new producer id (never reused: blocks persisted by ProducerIdManager), epoch 0.
// With one: the transaction coordinator (Coordination/Transactions) bumps the epoch, fencing older instances and
// aborting their open transaction; a timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT.
using Chronik.Broker.Dispatch;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Allocates producer ids and epochs for idempotent and transactional producers.</summary>
public sealed class InitProducerIdHandler : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    private readonly ProducerIdManager _ids;

    public InitProducerIdHandler(ProducerIdManager ids) => _ids = ids;

    public override ApiKey Key => ApiKey.InitProducerId;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId is not null)
        {
            return new(new InitProducerIdResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed, ProducerId = -1, ProducerEpoch = -1 });
        }
        return new(new InitProducerIdResponse { ProducerId = _ids.Next(), ProducerEpoch = 0 });
    }
}
