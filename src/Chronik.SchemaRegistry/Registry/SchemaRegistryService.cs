using Chronik.SchemaRegistry.Schemas;
using Chronik.SchemaRegistry.State;
using Chronik.SchemaRegistry.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.SchemaRegistry.Registry;

/// <summary>
/// The registry's operations. Reads look at <see cref="RegistryState"/> under one lock. A write, one at a time
/// (a gate), checks the request against the state, appends the records it implies to <c>_schemas</c>, waits until
/// they are durable, and only then applies those same records to the state — so what a client was told is on
/// disk, and the state never holds anything a replay of the topic would not rebuild.
/// Lock order: write gate → state lock (never held across the append).
/// </summary>
public sealed partial class SchemaRegistryService(SchemasTopic topic, SchemaTypeRegistry types, ILogger<SchemaRegistryService> logger) : IHostedService, IDisposable
{
    private readonly object _lock = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly RegistryState _state = new();
    private readonly Dictionary<int, ParsedSchema> _parsedById = [];
    private volatile bool _loaded;

    public SchemaTypeRegistry Types => types;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureLoaded();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _writeGate.Dispose();

    /// <summary>Runs a query against the state under its lock.</summary>
    public T Read<T>(Func<RegistryState, T> query)
    {
        EnsureLoaded();
        lock (_lock) return query(_state);
    }

    public IReadOnlyList<string> Subjects(bool deleted, string? prefix) =>
        Read(s => s.Subjects(deleted).Where(n => prefix is null || n.StartsWith(prefix, StringComparison.Ordinal)).ToList());

    public IReadOnlyList<int> Versions(string subject, bool deleted) => Read(s =>
    {
        var versions = s.Versions(subject).Where(e => deleted || !e.Deleted).Select(e => e.Version).ToList();
        return versions.Count > 0 ? versions : throw RegistryErrors.SubjectNotFound(subject);
    });

    public SchemaEntry Version(string subject, string version, bool deleted) => Read(s => Resolve(s, subject, VersionSpec.Parse(version), deleted));

    public SchemaEntry ById(int id) => Read(s => s.ById(id) ?? throw RegistryErrors.SchemaIdNotFound(id));

    public IReadOnlyList<SchemaEntry> UsesOf(int id, bool deleted) => Read(s =>
    {
        if (s.ById(id) is null) throw RegistryErrors.SchemaIdNotFound(id);
        return s.UsesOf(id).Where(e => deleted || !e.Deleted).ToList();
    });

    public IReadOnlyList<int> ReferencedBy(string subject, string version) => Read(s =>
    {
        SchemaEntry e = Resolve(s, subject, VersionSpec.Parse(version), deleted: false);
        return s.ReferencedBy(e.Subject, e.Version).Select(r => r.Id).Distinct().Order().ToList();
    });

    /// <summary>The version of <paramref name="subject"/> holding this schema (POST /subjects/{s}).</summary>
    public SchemaEntry Lookup(string subject, SchemaRequest request, bool normalize, bool deleted) => Read(s =>
    {
        var versions = s.Versions(subject).Where(e => deleted || !e.Deleted).ToList();
        if (versions.Count == 0) throw RegistryErrors.SubjectNotFound(subject);
        ParsedSchema parsed = Parse(s, request, normalize);
        var refs = request.References;
        return versions.LastOrDefault(e => Same(s, e, parsed, refs, normalize)) ?? throw RegistryErrors.SchemaNotFound();
    });

    /// <summary>Registers a schema under a subject; the same schema again answers its existing id.</summary>
    public async Task<int> RegisterAsync(string subject, SchemaRequest request, bool normalize)
    {
        EnsureLoaded();
        return await WriteAsync<int>(s =>
        {
            RegistryMode mode = EffectiveMode(s, subject);
            if (mode == RegistryMode.ReadOnly) throw RegistryErrors.NotPermitted($"Subject {subject} is in read-only mode");
            ParsedSchema parsed = Parse(s, request, normalize);
            var versions = s.Versions(subject);
            SchemaEntry? same = versions.LastOrDefault(e => !e.Deleted && Same(s, e, parsed, request.References, normalize));
            if (same is not null) return (same.Id, []);
            int? existing = s.IdOf(parsed.SchemaType, parsed.Canonical, request.References);
            int id;
            int version = request.Version is { } v && v > 0 ? v : (versions.Count == 0 ? 1 : versions[^1].Version + 1);
            if (mode == RegistryMode.Import)
            {
                id = request.Id ?? throw RegistryErrors.NotPermitted($"Subject {subject} is in import mode: a schema id is required");
                if (s.ById(id) is { } taken && (taken.Schema != parsed.Canonical || taken.SchemaType != parsed.SchemaType))
                {
                    throw RegistryErrors.NotPermitted($"Overwrite new schema with id {id} is not permitted.");
                }
                if (s.Version(subject, version) is not null) throw RegistryErrors.NotPermitted($"Version {version} of subject {subject} already exists");
            }
            else
            {
                CheckCompatible(s, parsed, versions.Where(e => !e.Deleted).ToList(), EffectiveLevel(s, subject), transitiveOverride: null,
                    out List<string> problems);
                if (problems.Count > 0)
                {
                    throw RegistryErrors.Incompatible(
                        $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{string.Join(", ", problems)}]");
                }
                id = existing ?? s.MaxId + 1;
                if (request.Id is { } asked && asked >= 0 && asked != id)
                {
                    throw RegistryErrors.NotPermitted($"Subject {subject} is not in import mode: schema id {asked} cannot be chosen");
                }
            }
            var entry = new SchemaEntry(subject, version, id, parsed.SchemaType, parsed.Canonical, request.References, Deleted: false);
            return (id, [RegistryRecords.Schema(entry)]);
        }).ConfigureAwait(false);
    }

    /// <summary>Checks a schema against one version (or, with <paramref name="version"/> null, the versions the level names); the reasons it is not compatible, empty if it is.</summary>
    public IReadOnlyList<string> TestCompatibility(string subject, string? version, SchemaRequest request, bool normalize) => Read(s =>
    {
        ParsedSchema parsed = Parse(s, request, normalize);
        CompatibilityLevel level = EffectiveLevel(s, subject);
        List<SchemaEntry> against;
        if (version is null)
        {
            against = s.Versions(subject).Where(e => !e.Deleted).ToList();
        }
        else
        {
            var spec = VersionSpec.Parse(version);
            var live = s.Versions(subject).Where(e => !e.Deleted).ToList();
            if (live.Count == 0)
            {
                if (spec.IsLatest) return (IReadOnlyList<string>)[];
                throw RegistryErrors.SubjectNotFound(subject);
            }
            against = [Resolve(s, subject, spec, deleted: false)];
        }
        CheckCompatible(s, parsed, against, level, transitiveOverride: version is null ? null : true, out List<string> problems);
        return problems;
    });

    public async Task<int> DeleteVersionAsync(string subject, string versionText, bool permanent)
    {
        EnsureLoaded();
        var spec = VersionSpec.Parse(versionText);
        return await WriteAsync<int>(s =>
        {
            CheckWritable(s, subject);
            if (s.Versions(subject).Count == 0) throw RegistryErrors.SubjectNotFound(subject);
            SchemaEntry e = Resolve(s, subject, spec, deleted: permanent);
            if (s.ReferencedBy(e.Subject, e.Version).Count > 0)
            {
                throw RegistryErrors.ReferenceExists($"One or more references exist to the schema {{subject={subject},version={e.Version}}}.");
            }
            if (permanent)
            {
                if (!e.Deleted) throw RegistryErrors.VersionNotSoftDeleted(subject, e.Version);
                return (e.Version, [RegistryRecords.SchemaTombstone(subject, e.Version)]);
            }
            if (e.Deleted) throw RegistryErrors.VersionSoftDeleted(subject, e.Version);
            return (e.Version, [RegistryRecords.Schema(e with { Deleted = true })]);
        }).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<int>> DeleteSubjectAsync(string subject, bool permanent)
    {
        EnsureLoaded();
        return await WriteAsync<IReadOnlyList<int>>(s =>
        {
            CheckWritable(s, subject);
            var all = s.Versions(subject);
            if (all.Count == 0) throw RegistryErrors.SubjectNotFound(subject);
            var live = all.Where(e => !e.Deleted).ToList();
            if (all.Any(e => s.ReferencedBy(e.Subject, e.Version).Count > 0))
            {
                throw RegistryErrors.ReferenceExists($"One or more references exist to the schema {{subject={subject}}}.");
            }
            var records = new List<RegistryRecord>();
            IReadOnlyList<int> answer;
            if (permanent)
            {
                if (live.Count > 0) throw RegistryErrors.SubjectNotSoftDeleted(subject);
                records.AddRange(all.Select(e => RegistryRecords.SchemaTombstone(subject, e.Version)));
                answer = all.Select(e => e.Version).ToList();
            }
            else
            {
                if (live.Count == 0) throw RegistryErrors.SubjectSoftDeleted(subject);
                records.Add(RegistryRecords.DeleteSubject(subject, all[^1].Version));
                answer = live.Select(e => e.Version).ToList();
            }
            if (s.SubjectConfig(subject) is not null) records.Add(RegistryRecords.Config(subject, null));
            if (s.SubjectMode(subject) is not null) records.Add(RegistryRecords.Mode(subject, null));
            return (answer, records);
        }).ConfigureAwait(false);
    }

    /// <summary>The subject's level (<paramref name="subject"/> null: the global one); without <paramref name="defaultToGlobal"/> an unset subject level is 40408.</summary>
    public CompatibilityLevel Config(string? subject, bool defaultToGlobal) => Read(s => subject is null
        ? s.GlobalConfig ?? CompatibilityLevel.Backward
        : s.SubjectConfig(subject) ?? (defaultToGlobal ? s.GlobalConfig ?? CompatibilityLevel.Backward : throw RegistryErrors.SubjectConfigNotFound(subject)));

    public async Task SetConfigAsync(string? subject, CompatibilityLevel level)
    {
        EnsureLoaded();
        await WriteAsync<int>(s =>
        {
            if (subject is not null) CheckWritable(s, subject);
            return (0, [RegistryRecords.Config(subject, level)]);
        }).ConfigureAwait(false);
    }

    /// <summary>Removes the subject's level (or resets the global one); answers the level it had.</summary>
    public async Task<CompatibilityLevel> DeleteConfigAsync(string? subject)
    {
        EnsureLoaded();
        return await WriteAsync<CompatibilityLevel>(s =>
        {
            CompatibilityLevel old = subject is null ? s.GlobalConfig ?? CompatibilityLevel.Backward
                : s.SubjectConfig(subject) ?? throw RegistryErrors.SubjectConfigNotFound(subject);
            return (old, [RegistryRecords.Config(subject, null)]);
        }).ConfigureAwait(false);
    }

    public RegistryMode Mode(string? subject, bool defaultToGlobal) => Read(s => subject is null
        ? s.GlobalMode ?? RegistryMode.ReadWrite
        : s.SubjectMode(subject) ?? (defaultToGlobal ? s.GlobalMode ?? RegistryMode.ReadWrite : throw RegistryErrors.SubjectModeNotFound(subject)));

    public async Task SetModeAsync(string? subject, RegistryMode mode, bool force)
    {
        EnsureLoaded();
        await WriteAsync<int>(s =>
        {
            bool hasSchemas = subject is null ? !s.IsEmpty : s.Versions(subject).Count > 0;
            if (mode == RegistryMode.Import && hasSchemas && !force)
            {
                throw RegistryErrors.NotPermitted("Cannot import since found existing subjects");
            }
            return (0, [RegistryRecords.Mode(subject, mode)]);
        }).ConfigureAwait(false);
    }

    public async Task<RegistryMode> DeleteModeAsync(string? subject)
    {
        EnsureLoaded();
        return await WriteAsync<RegistryMode>(s =>
        {
            RegistryMode old = subject is null ? s.GlobalMode ?? RegistryMode.ReadWrite
                : s.SubjectMode(subject) ?? throw RegistryErrors.SubjectModeNotFound(subject);
            return (old, [RegistryRecords.Mode(subject, null)]);
        }).ConfigureAwait(false);
    }

    private async Task<T> WriteAsync<T>(Func<RegistryState, (T Answer, IReadOnlyList<RegistryRecord> Records)> decide)
    {
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            (T answer, IReadOnlyList<RegistryRecord> records) result;
            lock (_lock) result = decide(_state);
            if (result.records.Count == 0) return result.answer;
            if (!await topic.AppendAsync(result.records).ConfigureAwait(false))
            {
                throw RegistryErrors.StoreError($"Error while writing to {SchemasTopic.Name}");
            }
            lock (_lock)
            {
                foreach (RegistryRecord r in result.records) _state.Apply(r);
            }
            return result.answer;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private static void CheckWritable(RegistryState s, string subject)
    {
        if (EffectiveMode(s, subject) == RegistryMode.ReadOnly) throw RegistryErrors.NotPermitted($"Subject {subject} is in read-only mode");
    }

    private static RegistryMode EffectiveMode(RegistryState s, string subject) => s.SubjectMode(subject) ?? s.GlobalMode ?? RegistryMode.ReadWrite;

    private static CompatibilityLevel EffectiveLevel(RegistryState s, string subject) =>
        s.SubjectConfig(subject) ?? s.GlobalConfig ?? CompatibilityLevel.Backward;

    private static SchemaEntry Resolve(RegistryState s, string subject, VersionSpec spec, bool deleted)
    {
        var versions = s.Versions(subject).Where(e => deleted || !e.Deleted).ToList();
        if (versions.Count == 0) throw RegistryErrors.SubjectNotFound(subject);
        if (spec.IsLatest) return versions[^1];
        return versions.FirstOrDefault(e => e.Version == spec.Number) ?? throw RegistryErrors.VersionNotFound(subject, spec.Number);
    }

    private ParsedSchema Parse(RegistryState s, SchemaRequest request, bool normalize)
    {
        ISchemaType type = types.Find(request.SchemaType) ?? throw RegistryErrors.InvalidSchema($"Invalid schema type {request.SchemaType}");
        try
        {
            return type.Parse(request.Schema, ResolveReferences(s, request.References), normalize);
        }
        catch (InvalidSchemaException e)
        {
            throw RegistryErrors.InvalidSchema(e.Message);
        }
    }

    /// <summary>The referenced schemas, each after its own references, each once.</summary>
    private static List<ResolvedReference> ResolveReferences(RegistryState s, IReadOnlyList<SchemaReference> references)
    {
        var resolved = new List<ResolvedReference>();
        var seen = new HashSet<(string, int)>();
        void Visit(SchemaReference r, int depth)
        {
            if (depth > 32) throw RegistryErrors.InvalidSchema("Invalid schema: references nest too deep");
            SchemaEntry target = (r.Version == -1 ? s.Versions(r.Subject).LastOrDefault(e => !e.Deleted) : s.Version(r.Subject, r.Version))
                ?? throw RegistryErrors.InvalidSchema($"Invalid schema: reference {r.Name} to subject {r.Subject} version {r.Version} does not exist");
            if (!seen.Add((target.Subject, target.Version))) return;
            foreach (SchemaReference inner in target.References) Visit(inner, depth + 1);
            resolved.Add(new ResolvedReference(r.Name, target.Schema));
        }
        foreach (SchemaReference r in references) Visit(r, 0);
        return resolved;
    }

    private bool Same(RegistryState s, SchemaEntry e, ParsedSchema parsed, IReadOnlyList<SchemaReference> refs, bool normalize)
    {
        if (e.SchemaType != parsed.SchemaType || !e.References.SequenceEqual(refs)) return false;
        if (e.Schema == parsed.Canonical) return true;
        if (!normalize) return false;
        try
        {
            return types.Find(e.SchemaType)!.Parse(e.Schema, ResolveReferences(s, e.References), normalize: true).Canonical == parsed.Canonical;
        }
        catch (Exception ex) when (ex is InvalidSchemaException or RegistryException)
        {
            return false;
        }
    }

    private ParsedSchema? Stored(RegistryState s, SchemaEntry e)
    {
        if (_parsedById.TryGetValue(e.Id, out ParsedSchema? p)) return p;
        try
        {
            p = types.Find(e.SchemaType)?.Parse(e.Schema, ResolveReferences(s, e.References), normalize: false);
        }
        catch (Exception ex) when (ex is InvalidSchemaException or RegistryException)
        {
            LogUnparsable(logger, e.Subject, e.Version, ex.Message);
            return null;
        }
        if (p is not null) _parsedById[e.Id] = p;
        return p;
    }

    private void CheckCompatible(RegistryState s, ParsedSchema candidate, List<SchemaEntry> previous, CompatibilityLevel level,
        bool? transitiveOverride, out List<string> problems)
    {
        problems = [];
        if (level == CompatibilityLevel.None || previous.Count == 0) return;
        bool transitive = transitiveOverride ?? CompatibilityLevels.IsTransitive(level);
        IEnumerable<SchemaEntry> against = transitive ? previous.AsEnumerable().Reverse() : [previous[^1]];
        foreach (SchemaEntry old in against)
        {
            ParsedSchema? oldSchema = Stored(s, old);
            if (oldSchema is null) continue;
            if (oldSchema.SchemaType != candidate.SchemaType)
            {
                problems.Add($"Incompatible because of different schema type (version {old.Version} is {old.SchemaType})");
                continue;
            }
            ISchemaType type = types.Find(candidate.SchemaType)!;
            if (CompatibilityLevels.ChecksBackward(level))
            {
                problems.AddRange(type.ReaderIncompatibilities(candidate, oldSchema).Select(m => $"{{oldSchemaVersion: {old.Version}, direction: BACKWARD, {m}}}"));
            }
            if (CompatibilityLevels.ChecksForward(level))
            {
                problems.AddRange(type.ReaderIncompatibilities(oldSchema, candidate).Select(m => $"{{oldSchemaVersion: {old.Version}, direction: FORWARD, {m}}}"));
            }
        }
    }

    private void EnsureLoaded()
    {
        if (_loaded) return;
        lock (_lock)
        {
            if (_loaded) return;
            long records = topic.Open(_state.Apply);
            LogLoaded(logger, _state.Subjects(deleted: true).Count, records, SchemasTopic.Name, _state.RecordsSkipped);
            _loaded = true;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Schema registry: loaded {Subjects} subject(s) from {Records} record(s) of {Topic} ({Skipped} unreadable record(s) skipped)")]
    private static partial void LogLoaded(ILogger logger, int subjects, long records, string topic, long skipped);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Schema registry: stored schema {Subject} version {Version} no longer parses: {Reason}")]
    private static partial void LogUnparsable(ILogger logger, string subject, int version, string reason);
}
