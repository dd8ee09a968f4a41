using System.Security.Cryptography;
using System.Text;

namespace Chronik.Broker.Security;

/// <summary>A user's SCRAM credential as the server keeps it (RFC 5802): never the password itself.</summary>
public sealed record ScramCredential(byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations)
{
    /// <summary>Derives the stored form from a salted password (what AlterUserScramCredentials carries).</summary>
    public static ScramCredential FromSaltedPassword(string mechanism, byte[] salt, byte[] saltedPassword, int iterations)
    {
        var alg = ScramAuthenticator.HashOf(mechanism);
        byte[] clientKey = HMAC(alg, saltedPassword, "Client Key"u8);
        byte[] serverKey = HMAC(alg, saltedPassword, "Server Key"u8);
        return new ScramCredential(salt, Hash(alg, clientKey), serverKey, iterations);
    }

    /// <summary>Derives the stored form from a password (PBKDF2 with the mechanism's hash).</summary>
    public static ScramCredential FromPassword(string mechanism, string password, byte[] salt, int iterations)
    {
        var alg = ScramAuthenticator.HashOf(mechanism);
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, alg, alg == HashAlgorithmName.SHA512 ? 64 : 32);
        return FromSaltedPassword(mechanism, salt, salted, iterations);
    }

    internal static byte[] HMAC(HashAlgorithmName alg, byte[] key, ReadOnlySpan<byte> data) =>
        alg == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, data) : HMACSHA256.HashData(key, data);

    internal static byte[] Hash(HashAlgorithmName alg, ReadOnlySpan<byte> data) =>
        alg == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : SHA256.HashData(data);
}

/// <summary>Where SCRAM credentials come from (the store AlterUserScramCredentials writes).</summary>
public interface IScramCredentialProvider
{
    ScramCredential? Find(string user, string mechanism);
}

/// <summary>SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), server side, without channel binding.</summary>
public sealed class ScramAuthenticator : ISaslAuthenticator
{
    private readonly string _mechanism;
    private readonly HashAlgorithmName _alg;
    private readonly IScramCredentialProvider _credentials;
    private int _step;
    private string _clientFirstBare = "", _serverFirst = "", _gs2Header = "", _nonce = "", _user = "";
    private ScramCredential? _credential;

    public ScramAuthenticator(string mechanism, IScramCredentialProvider credentials)
    {
        _mechanism = mechanism;
        _alg = HashOf(mechanism);
        _credentials = credentials;
    }

    public bool IsComplete { get; private set; }
    public string? User { get; private set; }

    internal static HashAlgorithmName HashOf(string mechanism) => mechanism switch
    {
        SaslMechanisms.ScramSha256 => HashAlgorithmName.SHA256,
        SaslMechanisms.ScramSha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentException($"not a SCRAM mechanism: {mechanism}", nameof(mechanism)),
    };

    public byte[] Evaluate(ReadOnlySpan<byte> clientToken)
    {
        string message = Encoding.UTF8.GetString(clientToken);
        switch (_step++)
        {
            case 0: return Encoding.UTF8.GetBytes(ClientFirst(message));
            case 1: return Encoding.UTF8.GetBytes(ClientFinal(message));
            default: throw new SaslAuthenticationException("Authentication failed: unexpected SCRAM message after completion");
        }
    }

    private string ClientFirst(string message)
    {
        // gs2-header: "n,," (or "n,a=authzid,"); "y" and "p=" ask for channel binding, which we do not offer.
        string[] parts = message.Split(',');
        if (parts.Length < 4 || parts[0] != "n") throw Invalid("Invalid SCRAM client first message (channel binding is not supported)");
        string authzid = parts[1].StartsWith("a=", StringComparison.Ordinal) ? Unescape(parts[1][2..]) : parts[1].Length == 0 ? "" : throw Invalid("Invalid SCRAM authorization id");
        if (!parts[2].StartsWith("n=", StringComparison.Ordinal) || !parts[3].StartsWith("r=", StringComparison.Ordinal)) throw Invalid("Invalid SCRAM client first message");
        _gs2Header = parts[0] + "," + parts[1] + ",";
        _clientFirstBare = message[_gs2Header.Length..];
        _user = Unescape(parts[2][2..]);
        string clientNonce = parts[3][2..];
        if (clientNonce.Length == 0) throw Invalid("Invalid SCRAM client nonce");
        if (authzid.Length > 0 && authzid != _user) throw Invalid("Authentication failed: Client requested an authorization id that is different from username");
        for (int i = 4; i < parts.Length; i++)
        {
            if (parts[i] == "tokenauth=true") throw Invalid("Authentication failed: delegation tokens are not supported");
        }
        _credential = _credentials.Find(_user, _mechanism) ?? throw Invalid("Authentication failed: Invalid user credentials");
        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={_credential.Iterations}";
        return _serverFirst;
    }

    private string ClientFinal(string message)
    {
        int proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) throw Invalid("Invalid SCRAM client final message");
        string withoutProof = message[..proofAt];
        string channel = "", nonce = "";
        foreach (string attr in withoutProof.Split(','))
        {
            if (attr.StartsWith("c=", StringComparison.Ordinal)) channel = attr[2..];
            else if (attr.StartsWith("r=", StringComparison.Ordinal)) nonce = attr[2..];
        }
        if (channel != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header))) throw Invalid("Invalid SCRAM channel binding");
        if (nonce != _nonce) throw Invalid("Invalid SCRAM nonce");
        byte[] proof;
        try { proof = Convert.FromBase64String(message[(proofAt + 3)..]); }
        catch (FormatException) { throw Invalid("Invalid SCRAM client proof"); }
        var credential = _credential!;
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        byte[] clientSignature = ScramCredential.HMAC(_alg, credential.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length) throw Invalid("Authentication failed: Invalid client credentials");
        for (int i = 0; i < proof.Length; i++) proof[i] ^= clientSignature[i];
        if (!CryptographicOperations.FixedTimeEquals(ScramCredential.Hash(_alg, proof), credential.StoredKey))
        {
            throw Invalid("Authentication failed: Invalid client credentials");
        }
        User = _user;
        IsComplete = true;
        return "v=" + Convert.ToBase64String(ScramCredential.HMAC(_alg, credential.ServerKey, authMessage));
    }

    private static string Unescape(string name) => name.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);

    private static SaslAuthenticationException Invalid(string message) => new(message);
}

/// <summary>No SCRAM users (a provider for tests and embedders without a credential store).</summary>
public sealed class NoScramCredentials : IScramCredentialProvider
{
    public ScramCredential? Find(string user, string mechanism) => null;
}
