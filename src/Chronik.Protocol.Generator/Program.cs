namespace Chronik.Protocol.Generator;

/// <summary>Usage: Chronik.Protocol.Generator [schemaDir] [outDir] [floorSchemaDir]. Rewrites outDir with one file per schema, and Generated/Records with the persisted records (one folder per family).</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string root = CodeGenerator.FindRepoRoot(Directory.GetCurrentDirectory());
        string schemas = args.Length > 0 ? args[0] : CodeGenerator.DefaultSchemaDir(root);
        string outDir = args.Length > 1 ? args[1] : Path.Combine(root, "src", "Chronik.Protocol", "Generated");
        string floor = args.Length > 2 ? args[2] : CodeGenerator.DefaultFloorSchemaDir(root);
        var files = CodeGenerator.GenerateAll(schemas, floor);
        Directory.CreateDirectory(outDir);
        foreach (var old in Directory.GetFiles(outDir, "*.g.cs")) File.Delete(old);
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(outDir, name), text);
        Console.WriteLine($"wrote {files.Count} files to {outDir}");
        // The records pass (metadata and coordinator records) always regenerates its own folder, whatever the arguments.
        string recordsOut = RecordCodeGenerator.DefaultOutDir(root);
        Console.WriteLine($"wrote {RecordCodeGenerator.Write(root, recordsOut)} files to {recordsOut}");
        return 0;
    }
}
