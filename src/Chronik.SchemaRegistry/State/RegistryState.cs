using Chronik.SchemaRegistry.Storage;

namespace Chronik.SchemaRegistry.State;

/// <summary>
/// The registry as a deterministic state machine: subjects and their versions, global ids, compatibility
/// configs and modes, built only by <see cref="Apply"/>ing the records of <c>_schemas</c> in log order. Writes
/// and start-up replay go through the same method, so a replayed registry equals the one that wrote the log.
/// Not thread-safe: its owner serializes access.
/// </summary>
public sealed class RegistryState
{
    private readonly Dictionary<string, SortedDictionary<int, SchemaEntry>> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<int, SchemaEntry> _firstById = [];
    private readonly Dictionary<int, int> _idUses = [];
    private readonly Dictionary<string, int> _idByContent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompatibilityLevel> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegistryMode> _modes = new(StringComparer.Ordinal);

    /// <summary>The largest id any record has carried; new schemas get the next one.</summary>
    public int MaxId { get; private set; }
    public CompatibilityLevel? GlobalConfig { get; private set; }
    public RegistryMode? GlobalMode { get; private set; }
    public long RecordsApplied { get; private set; }
    /// <summary>Records skipped because their key or value could not be read (a newer or foreign writer's).</summary>
    public long RecordsSkipped { get; private set; }

    public void Apply(RegistryRecord record)
    {
        RegistryKey? key = RegistryRecords.ReadKey(record.Key);
        if (key is null)
        {
            RecordsSkipped++;
            return;
        }
        try
        {
            Apply(key, record.Value);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            RecordsSkipped++;
        }
    }

    public void Apply(RegistryKey key, byte[]? value)
    {
        RecordsApplied++;
        switch (key.Type)
        {
            case RegistryKeyType.Schema:
                if (value is null) RemoveVersion(key.Subject!, key.Version);
                else PutVersion(RegistryRecords.ReadSchema(value));
                break;
            case RegistryKeyType.DeleteSubject when value is not null:
                SoftDeleteSubject(key.Subject!, RegistryRecords.ReadDeleteSubjectVersion(value));
                break;
            case RegistryKeyType.Config:
                CompatibilityLevel? level = value is null ? null : RegistryRecords.ReadConfig(value);
                if (key.Subject is null) GlobalConfig = level;
                else if (level is { } l) _configs[key.Subject] = l;
                else _configs.Remove(key.Subject);
                break;
            case RegistryKeyType.Mode:
                RegistryMode? mode = value is null ? null : RegistryRecords.ReadMode(value);
                if (key.Subject is null) GlobalMode = mode;
                else if (mode is { } m) _modes[key.Subject] = m;
                else _modes.Remove(key.Subject);
                break;
        }
    }

    /// <summary>Subjects with at least one version (with <paramref name="deleted"/>, soft-deleted ones too), sorted.</summary>
    public IReadOnlyList<string> Subjects(bool deleted) =>
        _subjects.Where(s => s.Value.Values.Any(e => deleted || !e.Deleted)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every version of a subject in order, soft-deleted ones included; empty when the subject is unknown.</summary>
    public IReadOnlyList<SchemaEntry> Versions(string subject) =>
        _subjects.TryGetValue(subject, out var versions) ? versions.Values.ToList() : [];

    public SchemaEntry? Version(string subject, int version) =>
        _subjects.TryGetValue(subject, out var versions) ? versions.GetValueOrDefault(version) : null;

    /// <summary>The schema an id names (its first registration), or null.</summary>
    public SchemaEntry? ById(int id) => _firstById.GetValueOrDefault(id);

    /// <summary>Every (subject, version) that holds schema <paramref name="id"/>.</summary>
    public IReadOnlyList<SchemaEntry> UsesOf(int id) =>
        _subjects.Values.SelectMany(v => v.Values).Where(e => e.Id == id).OrderBy(e => e.Subject, StringComparer.Ordinal).ThenBy(e => e.Version).ToList();

    /// <summary>The id already given to this exact schema (type, canonical text, references), in any subject.</summary>
    public int? IdOf(string schemaType, string schema, IReadOnlyList<SchemaReference> references) =>
        _idByContent.TryGetValue(ContentKey(schemaType, schema, references), out int id) ? id : null;

    /// <summary>The versions whose schemas reference <paramref name="subject"/>'s <paramref name="version"/>.</summary>
    public IReadOnlyList<SchemaEntry> ReferencedBy(string subject, int version) =>
        _subjects.Values.SelectMany(v => v.Values)
            .Where(e => !e.Deleted && e.References.Any(r => r.Subject == subject && r.Version == version)).ToList();

    public CompatibilityLevel? SubjectConfig(string subject) => _configs.TryGetValue(subject, out var l) ? l : null;

    public RegistryMode? SubjectMode(string subject) => _modes.TryGetValue(subject, out var m) ? m : null;

    public bool IsEmpty => _subjects.Count == 0;

    private void PutVersion(SchemaEntry entry)
    {
        if (!_subjects.TryGetValue(entry.Subject, out var versions))
        {
            versions = [];
            _subjects[entry.Subject] = versions;
        }
        if (versions.TryGetValue(entry.Version, out SchemaEntry? old)) Release(old.Id);
        versions[entry.Version] = entry;
        MaxId = Math.Max(MaxId, entry.Id);
        _idUses[entry.Id] = _idUses.GetValueOrDefault(entry.Id) + 1;
        if (_firstById.TryAdd(entry.Id, entry)) _idByContent[ContentKey(entry.SchemaType, entry.Schema, entry.References)] = entry.Id;
    }

    private void RemoveVersion(string subject, int version)
    {
        if (!_subjects.TryGetValue(subject, out var versions) || !versions.Remove(version, out SchemaEntry? old)) return;
        if (versions.Count == 0) _subjects.Remove(subject);
        Release(old.Id);
    }

    private void Release(int id)
    {
        int left = _idUses.GetValueOrDefault(id) - 1;
        if (left > 0)
        {
            _idUses[id] = left;
            return;
        }
        _idUses.Remove(id);
        if (_firstById.Remove(id, out SchemaEntry? first)) _idByContent.Remove(ContentKey(first.SchemaType, first.Schema, first.References));
    }

    private void SoftDeleteSubject(string subject, int upTo)
    {
        if (!_subjects.TryGetValue(subject, out var versions)) return;
        foreach (SchemaEntry e in versions.Values.Where(e => e.Version <= upTo && !e.Deleted).ToList())
        {
            versions[e.Version] = e with { Deleted = true };
        }
    }

    private static string ContentKey(string schemaType, string schema, IReadOnlyList<SchemaReference> references) =>
        schemaType + "\n" + string.Join("\n", references.Select(r => $"{r.Name}\u0001{r.Subject}\u0001{r.Version}")) + "\n\n" + schema;
}
