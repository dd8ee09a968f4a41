using System.Security.Cryptography;
using System.Text;
using Chronik.Coordination.Security;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>The SCRAM credential store: Kafka's ScramControlManager rules, RFC 5802 key derivation, persistence.</summary>
public class ScramCredentialStoreTests
{
    private const sbyte Sha256 = 1, Sha512 = 2;

    private static ScramUpsertion Up(string user, sbyte mechanism = Sha256, int iterations = 8192) =>
        new(user, mechanism, iterations, [1, 2, 3, 4], new byte[mechanism == Sha512 ? 64 : 32]);

    [Fact]
    public void Upsert_describe_and_delete()
    {
        var s = new ScramCredentialStore(null);
        var unknown = Assert.Single(s.Describe(["alice"]));
        Assert.Equal((ErrorCode.ResourceNotFound, "Attempt to describe a user credential that does not exist: alice"), (unknown.Error, unknown.Message));

        var r = s.Alter([], [Up("alice"), Up("bob", Sha512, 4096)]);
        Assert.All(r, x => Assert.Equal(ErrorCode.None, x.Error));
        Assert.Equal(ErrorCode.None, Assert.Single(s.Alter([], [Up("alice", Sha512, 16384)])).Error);

        var alice = Assert.Single(s.Describe(["alice"]));
        Assert.Equal([(ScramMechanism.ScramSha256, 8192), (ScramMechanism.ScramSha512, 16384)], alice.Credentials);
        Assert.Equal(["alice", "bob"], s.Describe(null).Select(x => x.User));

        Assert.Equal(ErrorCode.None, Assert.Single(s.Alter([new("alice", Sha256)], [])).Error);
        Assert.Equal([(ScramMechanism.ScramSha512, 16384)], Assert.Single(s.Describe(["alice"])).Credentials);
        Assert.Null(s.Find("alice", ScramMechanism.ScramSha256));
        Assert.NotNull(s.Find("alice", ScramMechanism.ScramSha512));
    }

    [Fact]
    public void Invalid_alterations_get_kafkas_errors_and_change_nothing()
    {
        var s = new ScramCredentialStore(null);
        var r = s.Alter([new("ghost", Sha256), new("dup", Sha256), new("dup", Sha512)],
            [Up("few", iterations: 4095), Up("many", iterations: 16385), Up("mech", 3), Up(""), Up("twice"), Up("twice", Sha512)]).ToDictionary(x => x.User);
        Assert.Equal((ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist"), (r["ghost"].Error, r["ghost"].Message));
        Assert.Equal(ErrorCode.ResourceNotFound, r["dup"].Error);
        Assert.Equal((ErrorCode.UnacceptableCredential, "Too few iterations"), (r["few"].Error, r["few"].Message));
        Assert.Equal((ErrorCode.UnacceptableCredential, "Too many iterations"), (r["many"].Error, r["many"].Message));
        Assert.Equal(ErrorCode.UnsupportedSaslMechanism, r["mech"].Error);
        Assert.Equal((ErrorCode.UnacceptableCredential, "Username must not be empty"), (r[""].Error, r[""].Message));
        Assert.Equal((ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request"), (r["twice"].Error, r["twice"].Message));
        Assert.Empty(s.Describe(null));

        var both = Assert.Single(s.Describe(["x", "x"]));
        Assert.Equal(ErrorCode.DuplicateResource, both.Error);
    }

    [Fact]
    public void Derived_keys_match_rfc_7677()
    {
        // RFC 7677's SCRAM-SHA-256 example: user "user", password "pencil".
        byte[] salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("pencil"), salt, 4096, HashAlgorithmName.SHA256, 32);
        var c = ScramCredentialStore.Derive(ScramMechanism.ScramSha256, salt, salted, 4096);
        const string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        string authMessage = $"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r={nonce}";
        byte[] serverSignature = HMACSHA256.HashData(c.ServerKey, Encoding.ASCII.GetBytes(authMessage));
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(serverSignature));
        // The client proof of the example verifies against StoredKey: H(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey.
        byte[] proof = Convert.FromBase64String("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        byte[] clientSignature = HMACSHA256.HashData(c.StoredKey, Encoding.ASCII.GetBytes(authMessage));
        byte[] clientKey = proof.Zip(clientSignature, (a, b) => (byte)(a ^ b)).ToArray();
        Assert.Equal(c.StoredKey, SHA256.HashData(clientKey));
    }

    [Fact]
    public void Credentials_survive_a_reload()
    {
        string dir = Path.Combine(Path.GetTempPath(), "chronik-scram-" + Guid.NewGuid().ToString("N"));
        try
        {
            var s = new ScramCredentialStore(dir);
            s.Alter([], [Up("alice", Sha512, 5000)]);
            var reloaded = new ScramCredentialStore(dir);
            Assert.Equal(s.Find("alice", ScramMechanism.ScramSha512)!.StoredKey, reloaded.Find("alice", ScramMechanism.ScramSha512)!.StoredKey);
            Assert.Equal([(ScramMechanism.ScramSha512, 5000)], Assert.Single(reloaded.Describe(["alice"])).Credentials);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "__cluster_metadata", "scram-credentials.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
