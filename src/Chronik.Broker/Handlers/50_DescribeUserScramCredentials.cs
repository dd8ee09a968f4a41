// DescribeUserScramCredentials (key 50), v0.
// Lists the SCRAM mechanisms and iteration counts of the named users (all users with credentials when the list is null
// or empty) from ScramCredentialStore, as Kafka's ScramImage does: RESOURCE_NOT_FOUND for a user without credentials,
// DUPLICATE_RESOURCE for a user named twice; the top-level error is NONE. Salts and keys are never returned.
// With an authorizer: DESCRIBE on the cluster, else the top-level error CLUSTER_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes users' SCRAM credentials (mechanism and iterations).</summary>
public sealed class DescribeUserScramCredentialsHandler : ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>
{
    private readonly ScramCredentialStore _store;
    private readonly IRequestAuthorizer _auth;

    public DescribeUserScramCredentialsHandler(ScramCredentialStore store, IRequestAuthorizer auth)
    {
        _store = store;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DescribeUserScramCredentials;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<DescribeUserScramCredentialsResponse?> HandleAsync(RequestContext context, DescribeUserScramCredentialsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeUserScramCredentialsResponse { ErrorMessage = null };
        if (!_auth.AuthorizeCluster(context, AclOperation.Describe))
        {
            response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
            response.ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.ClusterAuthorizationFailed);
            return new(response);
        }
        foreach (var r in _store.Describe(request.Users?.Select(u => u.Name).ToList()))
        {
            var result = new DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult
            {
                User = r.User,
                ErrorCode = (short)r.Error,
                ErrorMessage = r.Message,
            };
            foreach (var (mechanism, iterations) in r.Credentials)
            {
                result.CredentialInfos.Add(new DescribeUserScramCredentialsResponse.CredentialInfo { Mechanism = (sbyte)mechanism, Iterations = iterations });
            }
            response.Results.Add(result);
        }
        return new(response);
    }
}
