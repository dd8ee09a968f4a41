// AlterUserScramCredentials (key 51), v0.
// Upserts (SCRAM-SHA-256 / SCRAM-SHA-512, salt + salted password computed by the client; StoredKey and ServerKey are
// derived and kept, with the iterations) and deletes SCRAM credentials in ScramCredentialStore, persisted before the
// answer, with Kafka's ScramControlManager errors per user: DUPLICATE_RESOURCE (user altered twice in one request),
// UNACCEPTABLE_CREDENTIAL (empty name, iterations outside 4096..16384), UNSUPPORTED_SASL_MECHANISM, RESOURCE_NOT_FOUND
// (deleting a credential that does not exist). SASL/SCRAM authenticates against them (ScramStoreCredentials).
// With an authorizer: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED for every user named.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Creates, replaces and deletes users' SCRAM credentials.</summary>
public sealed class AlterUserScramCredentialsHandler : ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>
{
    private readonly ScramCredentialStore _store;
    private readonly IRequestAuthorizer _auth;

    public AlterUserScramCredentialsHandler(ScramCredentialStore store, IRequestAuthorizer auth)
    {
        _store = store;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.AlterUserScramCredentials;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<AlterUserScramCredentialsResponse?> HandleAsync(RequestContext context, AlterUserScramCredentialsRequest request, CancellationToken cancellationToken)
    {
        var deletions = request.Deletions.Select(d => new ScramDeletion(d.Name, d.Mechanism)).ToList();
        var upsertions = request.Upsertions.Select(u => new ScramUpsertion(u.Name, u.Mechanism, u.Iterations, u.Salt, u.SaltedPassword)).ToList();
        var response = new AlterUserScramCredentialsResponse();
        if (!_auth.AuthorizeCluster(context, AclOperation.Alter))
        {
            foreach (var user in request.Deletions.Select(d => d.Name).Concat(request.Upsertions.Select(u => u.Name)).Distinct(StringComparer.Ordinal))
            {
                response.Results.Add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult
                {
                    User = user,
                    ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed,
                    ErrorMessage = AuthorizerExtensions.AuthorizationMessage(ErrorCode.ClusterAuthorizationFailed),
                });
            }
            return new(response);
        }
        foreach (var r in _store.Alter(deletions, upsertions))
        {
            response.Results.Add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult
            {
                User = r.User,
                ErrorCode = (short)r.Error,
                ErrorMessage = r.Message,
            });
        }
        return new(response);
    }
}
