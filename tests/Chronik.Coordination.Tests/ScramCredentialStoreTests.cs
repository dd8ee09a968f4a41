using System.Security.Cryptography;
using System.Text;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Security;
using Chronik.Coordination.Tests.Metadata;
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
        var s = new ScramCredentialStore(new MemoryMetadataStore());
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
        var s = new ScramCredentialStore(new MemoryMetadataStore());
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
    public void Credentials_are_rebuilt_by_replay_of_the_snapshot_then_the_log()
    {
        using var dir = new MetadataDir();
        var s = new ScramCredentialStore(dir.Store);
        s.Alter([], [Up("alice", Sha512, 5000), Up("bob", Sha256, 4096)]);
        dir.Store.TakeSnapshot();
        s.Alter([new ScramDeletion("bob", Sha256)], [Up("carol", Sha256, 6000)]);
        var reloaded = new ScramCredentialStore(dir.Reopen());
        Assert.Equal(s.Find("alice", ScramMechanism.ScramSha512)!.StoredKey, reloaded.Find("alice", ScramMechanism.ScramSha512)!.StoredKey);
        Assert.Equal([(ScramMechanism.ScramSha512, 5000)], Assert.Single(reloaded.Describe(["alice"])).Credentials);
        Assert.Null(reloaded.Find("bob", ScramMechanism.ScramSha256));
        Assert.Equal(6000, reloaded.Find("carol", ScramMechanism.ScramSha256)!.Iterations);
        if (!OperatingSystem.IsWindows())
        {
            foreach (var f in Directory.GetFiles(Path.Combine(dir.DataDir, "__cluster_metadata")))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
            }
        }
    }

    [Fact]
    public void A_scram_credentials_json_of_the_json_era_is_imported_once()
    {
        using var dir = new MetadataDir();
        var c = ScramCredentialStore.Derive(ScramMechanism.ScramSha256, [1, 2], new byte[32], 8192);
        File.WriteAllText(dir.LegacyFile("scram-credentials.json"), $$"""
            [{"User":"old","Mechanism":1,"Salt":"{{Convert.ToBase64String(c.Salt)}}","StoredKey":"{{Convert.ToBase64String(c.StoredKey)}}","ServerKey":"{{Convert.ToBase64String(c.ServerKey)}}","Iterations":8192}]
            """);
        var s = new ScramCredentialStore(dir.Store, dir.DataDir);
        Assert.Equal(c.StoredKey, s.Find("old", ScramMechanism.ScramSha256)!.StoredKey);
        Assert.True(File.Exists(dir.LegacyFile("scram-credentials.json.migrated")));
        Assert.False(File.Exists(dir.LegacyFile("scram-credentials.json")));
        Assert.Equal(8192, new ScramCredentialStore(dir.Reopen(), dir.DataDir).Find("old", ScramMechanism.ScramSha256)!.Iterations);
    }
}
