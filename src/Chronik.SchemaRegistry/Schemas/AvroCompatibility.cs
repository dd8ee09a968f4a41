using Avro;

namespace Chronik.SchemaRegistry.Schemas;

/// <summary>
/// Avro's schema-resolution rules (the specification's "Schema Resolution", as Avro's SchemaCompatibility applies
/// them), written by hand because Apache.Avro for .NET has no checker: named types match by unqualified name or a
/// reader alias; a reader field is found by name or alias, else needs a default; writer enum symbols must be in
/// the reader's unless it has a default; int→long/float/double, long→float/double, float→double and
/// string↔bytes promote; unions resolve branch by branch.
/// </summary>
internal static class AvroCompatibility
{
    public static IReadOnlyList<string> Check(Schema reader, Schema writer)
    {
        var messages = new List<string>();
        new Walk(messages).Compare(reader, writer, "/");
        return messages;
    }

    private sealed class Walk(List<string> messages)
    {
        private readonly HashSet<(Schema, Schema)> _inProgress = [];

        public void Compare(Schema reader, Schema writer, string path)
        {
            reader = Base(reader);
            writer = Base(writer);
            // Recursive named types: a pair already being compared is assumed compatible.
            if (!_inProgress.Add((reader, writer))) return;
            try
            {
                CompareTypes(reader, writer, path);
            }
            finally
            {
                _inProgress.Remove((reader, writer));
            }
        }

        private void CompareTypes(Schema reader, Schema writer, string path)
        {
            if (writer is UnionSchema writerUnion)
            {
                for (int i = 0; i < writerUnion.Schemas.Count; i++)
                {
                    if (reader is UnionSchema ru)
                    {
                        if (!ru.Schemas.Any(b => Quietly(b, writerUnion.Schemas[i])))
                        {
                            messages.Add($"MISSING_UNION_BRANCH at {path}: reader union lacks writer branch {i} ({Describe(writerUnion.Schemas[i])})");
                        }
                    }
                    else
                    {
                        Compare(reader, writerUnion.Schemas[i], path);
                    }
                }
                return;
            }
            if (reader is UnionSchema readerUnion)
            {
                if (!readerUnion.Schemas.Any(b => Quietly(b, writer)))
                {
                    messages.Add($"MISSING_UNION_BRANCH at {path}: reader union has no branch for writer type {Describe(writer)}");
                }
                return;
            }
            if (reader.Tag != writer.Tag)
            {
                if (!Promotes(writer.Tag, reader.Tag))
                {
                    messages.Add($"TYPE_MISMATCH at {path}: reader type {Describe(reader)} cannot read writer type {Describe(writer)}");
                }
                return;
            }
            switch (reader)
            {
                case RecordSchema r:
                    CompareRecords(r, (RecordSchema)writer, path);
                    break;
                case EnumSchema e:
                    CompareEnums(e, (EnumSchema)writer, path);
                    break;
                case FixedSchema f:
                    var wf = (FixedSchema)writer;
                    if (!NameMatches(f, wf)) messages.Add($"NAME_MISMATCH at {path}: expected {wf.Fullname}, found {f.Fullname}");
                    else if (f.Size != wf.Size) messages.Add($"FIXED_SIZE_MISMATCH at {path}size: expected {wf.Size}, found {f.Size}");
                    break;
                case ArraySchema a:
                    Compare(a.ItemSchema, ((ArraySchema)writer).ItemSchema, path + "items/");
                    break;
                case MapSchema m:
                    Compare(m.ValueSchema, ((MapSchema)writer).ValueSchema, path + "values/");
                    break;
            }
        }

        private void CompareRecords(RecordSchema reader, RecordSchema writer, string path)
        {
            if (!NameMatches(reader, writer))
            {
                messages.Add($"NAME_MISMATCH at {path}name: expected {writer.Fullname}, found {reader.Fullname}");
                return;
            }
            foreach (Field field in reader.Fields)
            {
                Field? written = WriterField(writer, field);
                string fieldPath = $"{path}fields/{field.Name}/";
                if (written is not null) Compare(field.Schema, written.Schema, fieldPath);
                else if (field.DefaultValue is null)
                {
                    messages.Add($"READER_FIELD_MISSING_DEFAULT_VALUE at {fieldPath}: {field.Name} has no default and the writer has no such field");
                }
            }
        }

        private void CompareEnums(EnumSchema reader, EnumSchema writer, string path)
        {
            if (!NameMatches(reader, writer))
            {
                messages.Add($"NAME_MISMATCH at {path}name: expected {writer.Fullname}, found {reader.Fullname}");
                return;
            }
            if (reader.Default is not null) return;
            var missing = writer.Symbols.Where(s => !reader.Symbols.Contains(s)).ToList();
            if (missing.Count > 0) messages.Add($"MISSING_ENUM_SYMBOLS at {path}symbols: [{string.Join(", ", missing)}]");
        }

        private bool Quietly(Schema reader, Schema writer)
        {
            var inner = new List<string>();
            var walk = new Walk(inner);
            foreach (var pair in _inProgress) walk._inProgress.Add(pair);
            walk.Compare(reader, writer, "/");
            return inner.Count == 0;
        }
    }

    private static Field? WriterField(RecordSchema writer, Field readerField)
    {
        if (writer.TryGetField(readerField.Name, out Field? f)) return f;
        foreach (string alias in readerField.Aliases ?? [])
        {
            if (writer.TryGetField(alias, out f)) return f;
        }
        return null;
    }

    private static bool NameMatches(NamedSchema reader, NamedSchema writer) =>
        reader.Name == writer.Name || Aliases(reader).Any(a => a == writer.Name || a == writer.Fullname);

    // Apache.Avro keeps a named type's aliases private; its JSON form carries them.
    private static IEnumerable<string> Aliases(NamedSchema s) =>
        System.Text.Json.Nodes.JsonNode.Parse(s.ToString()) is System.Text.Json.Nodes.JsonObject o && o["aliases"] is System.Text.Json.Nodes.JsonArray a
            ? a.Select(v => v?.GetValue<string>() ?? "") : [];

    private static bool Promotes(Schema.Type writer, Schema.Type reader) => (writer, reader) switch
    {
        (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Float, Schema.Type.Double) => true,
        (Schema.Type.String, Schema.Type.Bytes) or (Schema.Type.Bytes, Schema.Type.String) => true,
        _ => false,
    };

    private static Schema Base(Schema s) => s is LogicalSchema l ? l.BaseSchema : s;

    private static string Describe(Schema s) => Base(s) is NamedSchema n ? $"{n.Tag.ToString().ToLowerInvariant()} {n.Fullname}" : Base(s).Tag.ToString().ToLowerInvariant();
}
