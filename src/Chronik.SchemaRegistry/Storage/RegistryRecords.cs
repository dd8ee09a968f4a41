using System.Text.Json;
using System.Text.Json.Nodes;
using Chronik.SchemaRegistry.State;

namespace Chronik.SchemaRegistry.Storage;

/// <summary>
/// Confluent Schema Registry's key and value JSON for the <c>_schemas</c> topic, so the topic can be read by
/// (and restored from) Confluent's own registry: keys <c>{"keytype":"SCHEMA","subject":…,"version":…,"magic":1}</c>,
/// CONFIG, MODE and DELETE_SUBJECT keys with magic 0, and their values.
/// </summary>
public static class RegistryRecords
{
    // Relaxed escaping writes quotes as \" the way Confluent's registry (Jackson) does, not as \u0022.
    private static readonly JsonWriterOptions s_writer = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static RegistryRecord Schema(SchemaEntry e) => new(SchemaKey(e.Subject, e.Version), Write(w =>
    {
        w.WriteString("subject", e.Subject);
        w.WriteNumber("version", e.Version);
        w.WriteNumber("id", e.Id);
        if (e.SchemaType != SchemaTypeNames.Avro) w.WriteString("schemaType", e.SchemaType);
        if (e.References.Count > 0)
        {
            w.WriteStartArray("references");
            foreach (SchemaReference r in e.References)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteString("subject", r.Subject);
                w.WriteNumber("version", r.Version);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteString("schema", e.Schema);
        w.WriteBoolean("deleted", e.Deleted);
    }));

    /// <summary>The tombstone that removes a version for good.</summary>
    public static RegistryRecord SchemaTombstone(string subject, int version) => new(SchemaKey(subject, version), null);

    public static RegistryRecord Config(string? subject, CompatibilityLevel? level) => new(Key("CONFIG", subject, null, 0),
        level is { } l ? Write(w => w.WriteString("compatibilityLevel", CompatibilityLevels.Name(l))) : null);

    public static RegistryRecord Mode(string? subject, RegistryMode? mode) => new(Key("MODE", subject, null, 0),
        mode is { } m ? Write(w => w.WriteString("mode", RegistryModes.Name(m))) : null);

    /// <summary>Soft-deletes every version of <paramref name="subject"/> up to <paramref name="version"/>.</summary>
    public static RegistryRecord DeleteSubject(string subject, int version) => new(Key("DELETE_SUBJECT", subject, null, 0), Write(w =>
    {
        w.WriteString("subject", subject);
        w.WriteNumber("version", version);
    }));

    /// <summary>Confluent's NOOP record: a marker the registry writes to learn it has read up to the log end.</summary>
    public static RegistryRecord Noop() => new(Write(w =>
    {
        w.WriteString("keytype", "NOOP");
        w.WriteNumber("magic", 0);
    }), null);

    /// <summary>Decodes a key; null when it is not a registry key this version understands (such records are skipped).</summary>
    public static RegistryKey? ReadKey(ReadOnlySpan<byte> key)
    {
        try
        {
            if (JsonNode.Parse(key) is not JsonObject o) return null;
            string? subject = o["subject"]?.GetValueKind() == JsonValueKind.String ? o["subject"]!.GetValue<string>() : null;
            return (o["keytype"]?.GetValue<string>()) switch
            {
                "SCHEMA" when subject is not null => new RegistryKey(RegistryKeyType.Schema, subject, o["version"]?.GetValue<int>() ?? 0),
                "CONFIG" => new RegistryKey(RegistryKeyType.Config, subject),
                "MODE" => new RegistryKey(RegistryKeyType.Mode, subject),
                "DELETE_SUBJECT" when subject is not null => new RegistryKey(RegistryKeyType.DeleteSubject, subject),
                "NOOP" => new RegistryKey(RegistryKeyType.Noop, null),
                _ => null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public static SchemaEntry ReadSchema(ReadOnlySpan<byte> value)
    {
        JsonObject o = Object(value);
        var refs = new List<SchemaReference>();
        if (o["references"] is JsonArray array)
        {
            foreach (JsonNode? r in array)
            {
                if (r is null) continue;
                if (r is not JsonObject ro) throw new JsonException("a reference is not an object");
                refs.Add(new SchemaReference(Required(ro, "name").GetValue<string>(), Required(ro, "subject").GetValue<string>(), Required(ro, "version").GetValue<int>()));
            }
        }
        return new SchemaEntry(
            Required(o, "subject").GetValue<string>(),
            Required(o, "version").GetValue<int>(),
            Required(o, "id").GetValue<int>(),
            o["schemaType"]?.GetValue<string>() ?? SchemaTypeNames.Avro,
            Required(o, "schema").GetValue<string>(),
            refs,
            o["deleted"]?.GetValue<bool>() ?? false);
    }

    public static CompatibilityLevel? ReadConfig(ReadOnlySpan<byte> value) =>
        CompatibilityLevels.TryParse(Object(value)["compatibilityLevel"]?.GetValue<string>(), out CompatibilityLevel l) ? l : null;

    public static RegistryMode? ReadMode(ReadOnlySpan<byte> value) =>
        RegistryModes.TryParse(Object(value)["mode"]?.GetValue<string>(), out RegistryMode m) ? m : null;

    public static int ReadDeleteSubjectVersion(ReadOnlySpan<byte> value) => Required(Object(value), "version").GetValue<int>();

    private static JsonNode Required(JsonObject o, string name) => o[name] ?? throw new JsonException($"missing {name}");

    private static JsonObject Object(ReadOnlySpan<byte> value) =>
        JsonNode.Parse(value) as JsonObject ?? throw new JsonException("not a JSON object");

    private static byte[] SchemaKey(string subject, int version) => Key("SCHEMA", subject, version, 1);

    private static byte[] Key(string type, string? subject, int? version, int magic) => Write(w =>
    {
        w.WriteString("keytype", type);
        if (subject is null) w.WriteNull("subject");
        else w.WriteString("subject", subject);
        if (version is { } v) w.WriteNumber("version", v);
        w.WriteNumber("magic", magic);
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, s_writer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }
}
