namespace Chronik.Protocol.Generator;

/// <summary>Turns a folder of Kafka message schemas into C# source files (file name to content).</summary>
public static class CodeGenerator
{
    public static SortedDictionary<string, string> GenerateAll(string schemaDir)
    {
        var specs = SchemaLoader.LoadAll(schemaDir);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs) files[spec.Name + ".g.cs"] = new MessageEmitter(spec).Emit();
        files["ApiKeys.g.cs"] = ApiTableEmitter.Emit(specs);
        return files;
    }

    /// <summary>The repository root: the nearest folder up from <paramref name="start"/> holding Chronik.slnx.</summary>
    public static string FindRepoRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Chronik.slnx"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("Chronik.slnx not found above " + start);
    }

    /// <summary>Kafka's schemas live in ../shared/kafka-protocol beside the work tree (CHRONIK_SCHEMAS overrides).</summary>
    public static string DefaultSchemaDir(string repoRoot) =>
        Environment.GetEnvironmentVariable("CHRONIK_SCHEMAS") is { Length: > 0 } env ? env : Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "kafka-protocol"));
}
