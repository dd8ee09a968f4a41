using Google.Protobuf.Reflection;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>
/// Confluent's Protobuf compatibility rules, by hand: the writer's file is the original and the reader's the update;
/// messages and fields are matched by full name and by field number. Incompatible: a package change, a message the
/// update removed, a required field added or removed, a field whose kind (scalar, message, enum), label (repeated or
/// not), message/enum type or scalar type changed — except within the wire-compatible scalar groups (int32, uint32,
/// int64, uint64, bool), (sint32, sint64), (fixed32, sfixed32), (fixed64, sfixed64), (string, bytes). Fields added,
/// removed or renamed are compatible; so a renumbered field is one removed and one added.
/// </summary>
internal static class ProtobufCompatibility
{
    private static readonly FieldDescriptorProto.Type[][] s_groups =
    [
        [FieldDescriptorProto.Type.TypeInt32, FieldDescriptorProto.Type.TypeUint32, FieldDescriptorProto.Type.TypeInt64, FieldDescriptorProto.Type.TypeUint64, FieldDescriptorProto.Type.TypeBool],
        [FieldDescriptorProto.Type.TypeSint32, FieldDescriptorProto.Type.TypeSint64],
        [FieldDescriptorProto.Type.TypeFixed32, FieldDescriptorProto.Type.TypeSfixed32],
        [FieldDescriptorProto.Type.TypeFixed64, FieldDescriptorProto.Type.TypeSfixed64],
        [FieldDescriptorProto.Type.TypeString, FieldDescriptorProto.Type.TypeBytes],
    ];

    public static IReadOnlyList<string> Check(FileDescriptorProto reader, FileDescriptorProto writer)
    {
        var messages = new List<string>();
        if ((reader.Package ?? "") != (writer.Package ?? "")) messages.Add($"PACKAGE_CHANGED: {writer.Package} became {reader.Package}");
        var update = Messages(reader);
        foreach (var (name, original) in Messages(writer))
        {
            if (!update.TryGetValue(name, out DescriptorProto? updated))
            {
                messages.Add($"MESSAGE_REMOVED at #/{name}");
                continue;
            }
            CompareFields(name, original, updated, messages);
        }
        return messages;
    }

    private static void CompareFields(string message, DescriptorProto original, DescriptorProto updated, List<string> messages)
    {
        var after = updated.Fields.ToDictionary(f => f.Number);
        var before = original.Fields.ToDictionary(f => f.Number);
        foreach (FieldDescriptorProto f in original.Fields)
        {
            string path = $"#/{message}/{f.Number}";
            if (!after.TryGetValue(f.Number, out FieldDescriptorProto? g))
            {
                if (f.label == FieldDescriptorProto.Label.LabelRequired) messages.Add($"REQUIRED_FIELD_REMOVED at {path}");
                continue;
            }
            if ((f.label == FieldDescriptorProto.Label.LabelRequired) != (g.label == FieldDescriptorProto.Label.LabelRequired))
            {
                messages.Add($"{(g.label == FieldDescriptorProto.Label.LabelRequired ? "REQUIRED_FIELD_ADDED" : "REQUIRED_FIELD_REMOVED")} at {path}");
            }
            if ((f.label == FieldDescriptorProto.Label.LabelRepeated) != (g.label == FieldDescriptorProto.Label.LabelRepeated))
            {
                messages.Add($"FIELD_KIND_CHANGED at {path}: repeated changed");
            }
            bool fNamed = IsNamed(f.type), gNamed = IsNamed(g.type);
            if (fNamed != gNamed || fNamed && f.type != g.type) messages.Add($"FIELD_KIND_CHANGED at {path}: {Kind(f)} became {Kind(g)}");
            else if (fNamed && Trim(f.TypeName) != Trim(g.TypeName)) messages.Add($"FIELD_NAMED_TYPE_CHANGED at {path}: {f.TypeName} became {g.TypeName}");
            else if (!fNamed && f.type != g.type && !s_groups.Any(grp => grp.Contains(f.type) && grp.Contains(g.type)))
            {
                messages.Add($"FIELD_SCALAR_KIND_CHANGED at {path}: {Kind(f)} became {Kind(g)}");
            }
        }
        foreach (FieldDescriptorProto g in updated.Fields)
        {
            if (!before.ContainsKey(g.Number) && g.label == FieldDescriptorProto.Label.LabelRequired) messages.Add($"REQUIRED_FIELD_ADDED at #/{message}/{g.Number}");
        }
    }

    private static Dictionary<string, DescriptorProto> Messages(FileDescriptorProto file)
    {
        var all = new Dictionary<string, DescriptorProto>(StringComparer.Ordinal);
        void Visit(string prefix, DescriptorProto m)
        {
            string name = prefix.Length == 0 ? m.Name : prefix + "." + m.Name;
            all[name] = m;
            foreach (DescriptorProto nested in m.NestedTypes) Visit(name, nested);
        }
        foreach (DescriptorProto m in file.MessageTypes) Visit("", m);
        return all;
    }

    private static bool IsNamed(FieldDescriptorProto.Type t) =>
        t is FieldDescriptorProto.Type.TypeMessage or FieldDescriptorProto.Type.TypeEnum or FieldDescriptorProto.Type.TypeGroup;

    private static string Kind(FieldDescriptorProto f) => IsNamed(f.type) ? f.TypeName : f.type.ToString()["Type".Length..].ToLowerInvariant();

    private static string Trim(string? typeName) => (typeName ?? "").TrimStart('.');
}
