namespace Chronik.Protocol.Generator;

/// <summary>Turns a folder of Kafka message schemas into C# source files (file name to content).</summary>
public static class CodeGenerator
{
    /// <summary>Generates from <paramref name="schemaDir"/> (Kafka 4.3's), with the older versions of <paramref name="floorDir"/> (Kafka 4.0's) merged in.</summary>
    public static SortedDictionary<string, string> GenerateAll(string schemaDir, string? floorDir)
    {
        var specs = LoadSchemas(schemaDir, floorDir);
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

    /// <summary>The schemas the codecs are generated from: <paramref name="schemaDir"/>'s, merged over <paramref name="floorDir"/>'s when given (<see cref="SchemaMerger"/>).</summary>
    public static List<MessageSpec> LoadSchemas(string schemaDir, string? floorDir) =>
        floorDir is null ? SchemaLoader.LoadAll(schemaDir) : SchemaMerger.Merge(SchemaLoader.LoadAll(schemaDir), SchemaLoader.LoadAll(floorDir));

    /// <summary>The committed codecs' schemas: Kafka 4.3's merged over Kafka 4.0's.</summary>
    public static List<MessageSpec> LoadDefaultSchemas(string repoRoot) => LoadSchemas(DefaultSchemaDir(repoRoot), DefaultFloorSchemaDir(repoRoot));

    /// <summary>Kafka 4.3's schemas live in ../shared/kafka-protocol-4.3 beside the work tree (CHRONIK_SCHEMAS overrides).</summary>
    public static string DefaultSchemaDir(string repoRoot) =>
        Environment.GetEnvironmentVariable("CHRONIK_SCHEMAS") is { Length: > 0 } env ? env : Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "kafka-protocol-4.3"));

    /// <summary>Kafka 4.0's schemas (../shared/kafka-protocol, CHRONIK_FLOOR_SCHEMAS overrides): the versions 4.3 dropped that clients still send.</summary>
    public static string DefaultFloorSchemaDir(string repoRoot) =>
        Environment.GetEnvironmentVariable("CHRONIK_FLOOR_SCHEMAS") is { Length: > 0 } env ? env : Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "kafka-protocol"));
}
