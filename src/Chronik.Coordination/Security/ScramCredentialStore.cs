using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Security;

/// <summary>Kafka's SCRAM mechanism ids (AlterUserScramCredentials / DescribeUserScramCredentials).</summary>
public enum ScramMechanism : sbyte
{
    Unknown = 0,
    ScramSha256 = 1,
    ScramSha512 = 2,
}

/// <summary>What a SCRAM server keeps of a password (RFC 5802): the salt, the iteration count, StoredKey and ServerKey.</summary>
public sealed record ScramCredential(byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations);

/// <summary>One requested upsertion: the client already salted and hashed the password (Hi(password, salt, iterations)).</summary>
public readonly record struct ScramUpsertion(string User, sbyte Mechanism, int Iterations, byte[] Salt, byte[] SaltedPassword);

/// <summary>One requested deletion.</summary>
public readonly record struct ScramDeletion(string User, sbyte Mechanism);

/// <summary>The outcome for one user of a describe or alter call.</summary>
public sealed record ScramUserResult(string User, ErrorCode Error, string? Message, IReadOnlyList<(ScramMechanism Mechanism, int Iterations)> Credentials);

/// <summary>
/// The SCRAM credentials of the cluster (Kafka's ScramControlManager): per user and mechanism the salt, StoredKey,
/// ServerKey and iterations, derived from the salted password the client sends, never the password itself. On the
/// metadata store as UserScramCredentialRecord / RemoveUserScramCredentialRecord, one batch per alteration, durable
/// before it is answered; rebuilt by replay (a scram-credentials.json of the JSON era is imported once). Thread-safe:
/// one lock over changes; lookups read an immutable snapshot that <see cref="Apply"/> replaces. A SASL/SCRAM
/// authenticator reads <see cref="Find"/>.
/// </summary>
public sealed class ScramCredentialStore : IMetadataParticipant
{
    public const string LegacyFileName = "scram-credentials.json";

    /// <summary>Kafka's bounds on SCRAM iterations (ScramMechanism.minIterations, ScramControlManager.MAX_ITERATIONS).</summary>
    public const int MinIterations = 4096, MaxIterations = 16384;

    private readonly object _lock = new();
    private readonly IMetadataStore _store;
    private volatile Dictionary<(string User, ScramMechanism Mechanism), ScramCredential> _credentials = [];
    private bool _replayedAny;

    /// <param name="store">The metadata store this holder replays from and appends to.</param>
    /// <param name="legacyDataDir">The data directory whose scram-credentials.json is imported once; null for none.</param>
    public ScramCredentialStore(IMetadataStore store, string? legacyDataDir = null)
    {
        _store = store;
        store.Register(this);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _replayedAny, ReadLegacy);
    }

    /// <summary>The credential of <paramref name="user"/> for <paramref name="mechanism"/>, or null.</summary>
    public ScramCredential? Find(string user, ScramMechanism mechanism) => _credentials.GetValueOrDefault((user, mechanism));

    /// <summary>
    /// DescribeUserScramCredentials: every user with credentials when <paramref name="users"/> is null or empty, else the
    /// named ones (RESOURCE_NOT_FOUND for a user without any, DUPLICATE_RESOURCE for a user named twice).
    /// </summary>
    public IReadOnlyList<ScramUserResult> Describe(IReadOnlyList<string>? users)
    {
        var snapshot = _credentials;
        var order = new List<string>();
        var duplicate = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (users is null || users.Count == 0)
        {
            foreach (var u in snapshot.Keys.Select(k => k.User).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                order.Add(u);
                duplicate[u] = false;
            }
        }
        else
        {
            foreach (var u in users)
            {
                if (duplicate.TryAdd(u, false)) order.Add(u);
                else duplicate[u] = true;
            }
        }
        var results = new List<ScramUserResult>(order.Count);
        foreach (var u in order)
        {
            if (duplicate[u])
            {
                results.Add(new(u, ErrorCode.DuplicateResource, $"Cannot describe SCRAM credentials for the same user twice in a single request: {u}", []));
                continue;
            }
            var infos = new List<(ScramMechanism, int)>(2);
            foreach (var m in (ReadOnlySpan<ScramMechanism>)[ScramMechanism.ScramSha256, ScramMechanism.ScramSha512])
            {
                if (snapshot.TryGetValue((u, m), out var c)) infos.Add((m, c.Iterations));
            }
            results.Add(infos.Count > 0
                ? new(u, ErrorCode.None, null, infos)
                : new(u, ErrorCode.ResourceNotFound, $"Attempt to describe a user credential that does not exist: {u}", []));
        }
        return results;
    }

    /// <summary>
    /// AlterUserScramCredentials with Kafka's rules: a user may appear once per request (else DUPLICATE_RESOURCE for
    /// that user); an empty name or iterations outside [4096, 16384] are UNACCEPTABLE_CREDENTIAL; an unknown mechanism is
    /// UNSUPPORTED_SASL_MECHANISM; deleting a missing credential is RESOURCE_NOT_FOUND. The valid alterations are applied
    /// and persisted together; one result per user.
    /// </summary>
    public IReadOnlyList<ScramUserResult> Alter(IReadOnlyList<ScramDeletion> deletions, IReadOnlyList<ScramUpsertion> upsertions)
    {
        lock (_lock)
        {
            var errors = new Dictionary<string, (ErrorCode, string)>(StringComparer.Ordinal);
            var toDelete = new Dictionary<string, ScramDeletion>(StringComparer.Ordinal);
            var toUpsert = new Dictionary<string, ScramUpsertion>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var d in deletions)
            {
                if (errors.ContainsKey(d.User)) continue;
                if (toDelete.Remove(d.User))
                {
                    errors[d.User] = (ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request");
                    continue;
                }
                if (!order.Contains(d.User)) order.Add(d.User);
                if (Check(d.User, d.Mechanism) is { } bad) errors[d.User] = bad;
                else if (!_credentials.ContainsKey((d.User, (ScramMechanism)d.Mechanism))) errors[d.User] = (ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist");
                else toDelete[d.User] = d;
            }
            foreach (var u in upsertions)
            {
                if (errors.ContainsKey(u.User)) continue;
                if (toDelete.Remove(u.User) | toUpsert.Remove(u.User))
                {
                    errors[u.User] = (ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request");
                    continue;
                }
                if (!order.Contains(u.User)) order.Add(u.User);
                if (Check(u.User, u.Mechanism) is { } bad) errors[u.User] = bad;
                else if (u.Iterations < MinIterations) errors[u.User] = (ErrorCode.UnacceptableCredential, "Too few iterations");
                else if (u.Iterations > MaxIterations) errors[u.User] = (ErrorCode.UnacceptableCredential, "Too many iterations");
                else toUpsert[u.User] = u;
            }
            if (toDelete.Count + toUpsert.Count > 0)
            {
                var records = new List<MetadataRecord>(toDelete.Count + toUpsert.Count);
                foreach (var d in toDelete.Values) records.Add(MetadataRecord.Of(new RemoveUserScramCredentialRecord { Name = d.User, Mechanism = d.Mechanism }));
                foreach (var u in toUpsert.Values) records.Add(ToRecord(u.User, (ScramMechanism)u.Mechanism, Derive((ScramMechanism)u.Mechanism, u.Salt, u.SaltedPassword, u.Iterations)));
                _store.Append(records);
            }
            return order.Select(user => errors.TryGetValue(user, out var e)
                ? new ScramUserResult(user, e.Item1, e.Item2, [])
                : new ScramUserResult(user, ErrorCode.None, null, [])).ToList();
        }
    }

    private static (ErrorCode, string)? Check(string user, sbyte mechanism)
    {
        if (user.Length == 0) return (ErrorCode.UnacceptableCredential, "Username must not be empty");
        if (mechanism is not ((sbyte)ScramMechanism.ScramSha256 or (sbyte)ScramMechanism.ScramSha512)) return (ErrorCode.UnsupportedSaslMechanism, "Unknown SCRAM mechanism");
        return null;
    }

    /// <summary>StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key") (RFC 5802).</summary>
    public static ScramCredential Derive(ScramMechanism mechanism, byte[] salt, byte[] saltedPassword, int iterations)
    {
        byte[] clientKeyLabel = Encoding.ASCII.GetBytes("Client Key"), serverKeyLabel = Encoding.ASCII.GetBytes("Server Key");
        if (mechanism == ScramMechanism.ScramSha512)
        {
            return new([.. salt], SHA512.HashData(HMACSHA512.HashData(saltedPassword, clientKeyLabel)), HMACSHA512.HashData(saltedPassword, serverKeyLabel), iterations);
        }
        return new([.. salt], SHA256.HashData(HMACSHA256.HashData(saltedPassword, clientKeyLabel)), HMACSHA256.HashData(saltedPassword, serverKeyLabel), iterations);
    }

    public bool Owns(short recordType) => recordType is MetadataRecordTypes.UserScramCredentialRecord or MetadataRecordTypes.RemoveUserScramCredentialRecord;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) return;
        _replayedAny = true;
        var next = new Dictionary<(string User, ScramMechanism Mechanism), ScramCredential>(_credentials);
        foreach (var r in records)
        {
            switch (r.Message)
            {
                case UserScramCredentialRecord c:
                    next[(c.Name, (ScramMechanism)c.Mechanism)] = new ScramCredential(c.Salt, c.StoredKey, c.ServerKey, c.Iterations);
                    break;
                case RemoveUserScramCredentialRecord d:
                    next.Remove((d.Name, (ScramMechanism)d.Mechanism));
                    break;
            }
        }
        _credentials = next;
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() =>
        _credentials.OrderBy(kv => kv.Key.User, StringComparer.Ordinal).ThenBy(kv => kv.Key.Mechanism).Select(kv => ToRecord(kv.Key.User, kv.Key.Mechanism, kv.Value));

    private static MetadataRecord ToRecord(string user, ScramMechanism mechanism, ScramCredential c) => MetadataRecord.Of(new UserScramCredentialRecord
    {
        Name = user,
        Mechanism = (sbyte)mechanism,
        Salt = c.Salt,
        StoredKey = c.StoredKey,
        ServerKey = c.ServerKey,
        Iterations = c.Iterations,
    });

    /// <summary>A credential as scram-credentials.json held it (the format before the metadata store; read at migration only).</summary>
    private sealed record PersistedCredential(string User, ScramMechanism Mechanism, byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations);

    private static IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var list = JsonSerializer.Deserialize<List<PersistedCredential>>(File.ReadAllText(file)) ?? [];
        return list.Select(p => ToRecord(p.User, p.Mechanism, new ScramCredential(p.Salt, p.StoredKey, p.ServerKey, p.Iterations))).ToList();
    }
}
