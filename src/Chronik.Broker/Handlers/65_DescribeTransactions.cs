// DescribeTransactions (key 65), v0.
// State, producer id and epoch, timeout, start time and partitions of each transactional id from the transaction
// coordinator; an unknown id gets TRANSACTIONAL_ID_NOT_FOUND. Offsets partitions added by AddOffsetsToTxn are not
// listed (Kafka lists __consumer_offsets partitions there).
// With an authorizer: DESCRIBE on each transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes transactions by transactional id.</summary>
public sealed class DescribeTransactionsHandler : ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>
{
    private readonly TransactionCoordinatorService _txns;
    private readonly IRequestAuthorizer _auth;

    public DescribeTransactionsHandler(TransactionCoordinatorService txns, IRequestAuthorizer auth)
    {
        _txns = txns;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DescribeTransactions;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<DescribeTransactionsResponse?> HandleAsync(RequestContext context, DescribeTransactionsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeTransactionsResponse();
        foreach (string id in request.TransactionalIds)
        {
            var state = new DescribeTransactionsResponse.TransactionState { TransactionalId = id, ProducerId = -1, ProducerEpoch = -1, TransactionStartTimeMs = -1 };
            response.TransactionStates.Add(state);
            if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.TransactionalId, id))
            {
                state.ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed;
                continue;
            }
            if (_txns.Describe(id) is not { } d)
            {
                state.ErrorCode = (short)ErrorCode.TransactionalIdNotFound;
                continue;
            }
            state.TransactionStateValue = d.State.ToString();
            state.TransactionTimeoutMs = d.TimeoutMs;
            state.TransactionStartTimeMs = d.StartTimeMs;
            state.ProducerId = d.ProducerId;
            state.ProducerEpoch = d.ProducerEpoch;
            foreach (var g in d.Partitions.GroupBy(p => p.Topic, StringComparer.Ordinal))
            {
                state.Topics.Add(new DescribeTransactionsResponse.TopicData { Topic = g.Key, Partitions = g.Select(p => p.Partition).Order().ToList() });
            }
        }
        return new(response);
    }
}
