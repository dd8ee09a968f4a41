using Google.Protobuf.Reflection;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>
/// PROTOBUF: a .proto file parsed by protobuf-net.Reflection (referenced schemas are added under their reference
/// names, so <c>import "name";</c> resolves); the canonical text is the text with each line trimmed and blank lines
/// dropped. Compatibility: <see cref="ProtobufCompatibility"/>. Base64-encoded descriptors are not accepted yet.
/// </summary>
internal sealed class ProtobufSchemaType : ISchemaType
{
    private const string MainFile = "schema.proto";

    public string Name => State.SchemaTypeNames.Protobuf;

    public ParsedSchema Parse(string schema, IReadOnlyList<ResolvedReference> references, bool normalize)
    {
        var set = new FileDescriptorSet();
        foreach (ResolvedReference r in references)
        {
            set.Add(r.Name, false, new StringReader(r.Schema));
        }
        if (!set.Add(MainFile, true, new StringReader(schema))) throw new InvalidSchemaException("Invalid schema: could not add the .proto file");
        set.Process();
        var errors = set.GetErrors().Where(e => e.IsError).ToList();
        if (errors.Count > 0) throw new InvalidSchemaException($"Invalid schema {schema}, details: {string.Join("; ", errors.Select(e => e.ToString()))}");
        FileDescriptorProto file = set.Files.Single(f => f.Name == MainFile);
        string canonical = string.Join("\n", schema.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        return new ParsedSchema(Name, canonical, file);
    }

    public IReadOnlyList<string> ReaderIncompatibilities(ParsedSchema reader, ParsedSchema writer) =>
        ProtobufCompatibility.Check((FileDescriptorProto)reader.Model, (FileDescriptorProto)writer.Model);
}
