using Chronik.Coordination.Security;
using StoredCredential = Chronik.Coordination.Security.ScramCredential;

namespace Chronik.Broker.Security;

/// <summary>SASL/SCRAM reads the credentials AlterUserScramCredentials stored (<see cref="ScramCredentialStore"/>).</summary>
public sealed class ScramStoreCredentials(ScramCredentialStore store) : IScramCredentialProvider
{
    public ScramCredential? Find(string user, string mechanism)
    {
        var m = mechanism switch
        {
            "SCRAM-SHA-256" => ScramMechanism.ScramSha256,
            "SCRAM-SHA-512" => ScramMechanism.ScramSha512,
            _ => ScramMechanism.Unknown,
        };
        return m == ScramMechanism.Unknown || store.Find(user, m) is not StoredCredential c
            ? null
            : new ScramCredential(c.Salt, c.StoredKey, c.ServerKey, c.Iterations);
    }
}
