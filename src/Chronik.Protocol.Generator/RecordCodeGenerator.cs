namespace Chronik.Protocol.Generator;

/// <summary>
/// The records pass: turns the schemas of the records Kafka itself persists (../shared/kafka-protocol-4.3/records/)
/// and Chronik's own (src/Chronik.Protocol.Generator/records/) into classes, one namespace and folder per family
/// (<see cref="RecordFamily.All"/>), each with a table from record type (the schema's apiKey) to a fresh instance
/// and its highest version.
/// </summary>
public static class RecordCodeGenerator
{
    /// <summary>The metadata family's namespace (KRaft records and Chronik's own metadata records).</summary>
    public const string Namespace = "Chronik.Protocol.Records.Metadata";

    /// <summary>Record type ids from this value up are Chronik's own (Kafka's stay far below).</summary>
    public const short FirstOwnType = 1000;

    /// <summary>Every family's files, keyed by their path under Generated/Records ("X.g.cs" or "Family/X.g.cs").</summary>
    public static SortedDictionary<string, string> GenerateAll(string repoRoot)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var family in RecordFamily.All)
        {
            foreach (var (name, text) in Generate(family, family.SchemaDirs(repoRoot)))
            {
                files[family.OutSubdir.Length == 0 ? name : family.OutSubdir + "/" + name] = text;
            }
        }
        return files;
    }

    /// <summary>One family's files (file name → text) from <paramref name="schemaDirs"/>.</summary>
    public static SortedDictionary<string, string> Generate(RecordFamily family, IEnumerable<string> schemaDirs)
    {
        var specs = schemaDirs.Where(Directory.Exists).SelectMany(SchemaLoader.LoadAll)
            .Where(s => family.Types.Contains(s.Type)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var seen = new Dictionary<(string, short), string>();
        foreach (var s in specs)
        {
            short type = s.ApiKey ?? throw new InvalidDataException(s.Name + ": a record schema needs an apiKey");
            if (!seen.TryAdd((s.Type, type), s.Name)) throw new InvalidDataException($"{s.Name} and {seen[(s.Type, type)]} share record type {type}");
        }
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs) files[spec.Name + ".g.cs"] = new MessageEmitter(spec, family.Namespace).Emit();
        files[family.TableName + ".g.cs"] = RecordTableEmitter.Emit(family, specs);
        return files;
    }

    public static string OwnSchemaDir(string repoRoot) => Path.Combine(repoRoot, "src", "Chronik.Protocol.Generator", "records");

    public static string DefaultOutDir(string repoRoot) => Path.Combine(repoRoot, "src", "Chronik.Protocol", "Generated", "Records");

    /// <summary>Regenerates every family's folder under <paramref name="outDir"/> (their *.g.cs files) and returns how many files were written.</summary>
    public static int Write(string repoRoot, string outDir)
    {
        var files = GenerateAll(repoRoot);
        foreach (var family in RecordFamily.All)
        {
            string dir = Path.Combine(outDir, family.OutSubdir);
            Directory.CreateDirectory(dir);
            foreach (var old in Directory.GetFiles(dir, "*.g.cs")) File.Delete(old);
        }
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(outDir, name), text);
        return files.Count;
    }
}
