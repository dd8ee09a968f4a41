// ListTransactions (key 66), v0-2.
// Every transactional id the coordinator knows, filtered by state names (unknown names are echoed in
// UnknownStateFilters), producer ids, from v1 by transactions open longer than DurationFilter ms, and from v2
// (KIP-1152) by TransactionalIdPattern: a regular expression the whole id must match (null or empty: no filter). Kafka
// uses RE2, so the pattern runs without backtracking (linear time); one that does not compile there (back-references,
// lookarounds, bad syntax) is INVALID_REGULAR_EXPRESSION with no transactions.
// With an authorizer: only transactional ids the client may DESCRIBE are listed.
using System.Text.RegularExpressions;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Lists transactions.</summary>
public sealed class ListTransactionsHandler : ApiHandler<ListTransactionsRequest, ListTransactionsResponse>
{
    private readonly TransactionCoordinatorService _txns;
    private readonly TimeProvider _time;
    private readonly IRequestAuthorizer _auth;

    public ListTransactionsHandler(TransactionCoordinatorService txns, IRequestAuthorizer auth, TimeProvider? time = null)
    {
        _auth = auth;
        _txns = txns;
        _time = time ?? TimeProvider.System;
    }

    public override ApiKey Key => ApiKey.ListTransactions;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<ListTransactionsResponse?> HandleAsync(RequestContext context, ListTransactionsRequest request, CancellationToken cancellationToken)
    {
        var response = new ListTransactionsResponse();
        Regex? pattern = null;
        if (context.ApiVersion >= 2 && !string.IsNullOrEmpty(request.TransactionalIdPattern))
        {
            pattern = Compile(request.TransactionalIdPattern);
            if (pattern is null) return new(new ListTransactionsResponse { ErrorCode = (short)ErrorCode.InvalidRegularExpression });
        }
        var states = new HashSet<TransactionState>();
        foreach (string name in request.StateFilters)
        {
            if (Enum.TryParse<TransactionState>(name, ignoreCase: false, out var s) && Enum.IsDefined(s)) states.Add(s);
            else response.UnknownStateFilters.Add(name);
        }
        var pids = request.ProducerIdFilters.ToHashSet();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var d in _txns.List())
        {
            if (request.StateFilters.Count > 0 && !states.Contains(d.State)) continue;
            if (pids.Count > 0 && !pids.Contains(d.ProducerId)) continue;
            if (pattern is not null && !pattern.IsMatch(d.TransactionalId)) continue;
            if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.TransactionalId, d.TransactionalId)) continue;
            if (context.ApiVersion >= 1 && request.DurationFilter >= 0 && (d.StartTimeMs < 0 || now - d.StartTimeMs < request.DurationFilter)) continue;
            response.TransactionStates.Add(new ListTransactionsResponse.TransactionState
            {
                TransactionalId = d.TransactionalId, ProducerId = d.ProducerId, TransactionStateValue = d.State.ToString(),
            });
        }
        return new(response);
    }

    /// <summary>The pattern anchored at both ends (RE2's matches()), or null when it is not a valid expression.</summary>
    private static Regex? Compile(string pattern)
    {
        try
        {
            // Compiled alone first, so that a pattern with unbalanced groups ("a)|(b") cannot escape the anchors.
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
