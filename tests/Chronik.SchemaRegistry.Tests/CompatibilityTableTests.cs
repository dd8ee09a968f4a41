using Chronik.SchemaRegistry.Schemas;
using Chronik.SchemaRegistry.State;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>
/// Evolutions × levels × types, with the verdicts Confluent documents (Avro: the specification's resolution
/// rules; JSON Schema: Confluent's open/closed content-model rules; Protobuf: Confluent's message/field diff rules). B = BACKWARD (new reads old),
/// F = FORWARD (old reads new), U = FULL (both); NONE always passes. Transitive levels are checked in RestApiTests.
/// </summary>
public class CompatibilityTableTests
{
    private const string Avro = SchemaTypeNames.Avro;
    private const string Json = SchemaTypeNames.Json;
    private const string Proto = SchemaTypeNames.Protobuf;

    private static string Msg(string fields, string extra = "") => "syntax = \"proto3\";\npackage example;\nmessage User {\n" + fields + "\n}\n" + extra;

    private static string Rec(params string[] fields) => $$"""{"type":"record","name":"User","namespace":"com.example","fields":[{{string.Join(",", fields)}}]}""";
    private static string Enum(params string[] symbols) =>
        Rec("{\"name\":\"color\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[" + string.Join(",", symbols.Select(s => "\"" + s + "\"")) + "]}}");
    private static string Obj(string props, bool? additional = null, string required = "")
    {
        string extra = additional is { } a ? ",\"additionalProperties\":" + (a ? "true" : "false") : "";
        string req = required.Length > 0 ? ",\"required\":[" + required + "]" : "";
        return "{\"type\":\"object\",\"properties\":{" + props + "}" + extra + req + "}";
    }

    private const string Name = """{"name":"name","type":"string"}""";
    private const string AgeDefault = """{"name":"age","type":"int","default":0}""";
    private const string Age = """{"name":"age","type":"int"}""";
    private const string AgeLong = """{"name":"age","type":"long"}""";
    private const string AgeString = """{"name":"age","type":"string"}""";
    private const string FullNameAlias = """{"name":"fullName","type":"string","aliases":["name"]}""";
    private const string NameNullable = """{"name":"name","type":["null","string"],"default":null}""";
    private const string A = "\"a\":{\"type\":\"string\"}";
    private const string B = "\"b\":{\"type\":\"string\"}";
    private const string AInt = "\"a\":{\"type\":\"integer\"}";
    private const string ANum = "\"a\":{\"type\":\"number\"}";

    public static TheoryData<string, string, string, string, string> Table => new()
    {
        // evolution, type, old, new, verdicts for B F U (+ compatible, - incompatible)
        { "field added with a default", Avro, Rec(Name), Rec(Name, AgeDefault), "+++" },
        { "field added without a default", Avro, Rec(Name), Rec(Name, Age), "-+-" },
        { "field removed (it had no default)", Avro, Rec(Name, Age), Rec(Name), "+--" },
        { "field removed (it had a default)", Avro, Rec(Name, AgeDefault), Rec(Name), "+++" },
        { "int promoted to long", Avro, Rec(Name, Age), Rec(Name, AgeLong), "+--" },
        { "int changed to string", Avro, Rec(Name, Age), Rec(Name, AgeString), "---" },
        { "field renamed with an alias", Avro, Rec(Name), Rec(FullNameAlias), "+--" },
        { "field renamed without an alias", Avro, Rec(Name), Rec("""{"name":"fullName","type":"string"}"""), "---" },
        { "enum symbol added", Avro, Enum("RED", "GREEN"), Enum("RED", "GREEN", "BLUE"), "+--" },
        { "enum symbol removed", Avro, Enum("RED", "GREEN", "BLUE"), Enum("RED", "GREEN"), "-+-" },
        { "type widened to a union with null", Avro, Rec(Name), Rec(NameNullable), "+--" },
        { "record renamed", Avro, Rec(Name), Rec(Name).Replace("\"User\"", "\"Person\"", StringComparison.Ordinal), "---" },
        { "primitive string to bytes", Avro, "\"string\"", "\"bytes\"", "+++" },
        { "property added, open content model", Json, Obj(A), Obj(A + "," + B), "-+-" },
        { "property added, closed content model", Json, Obj(A, false), Obj(A + "," + B, false), "+--" },
        { "property removed, open content model", Json, Obj(A + "," + B), Obj(A), "+--" },
        { "property removed, closed content model", Json, Obj(A + "," + B, false), Obj(A, false), "-+-" },
        { "additionalProperties closed", Json, Obj(A), Obj(A, false), "-+-" },
        { "additionalProperties opened", Json, Obj(A, false), Obj(A), "+--" },
        { "type changed string to integer", Json, Obj(A), Obj(AInt), "---" },
        { "integer widened to number", Json, Obj(AInt), Obj(ANum), "+--" },
        { "property made required", Json, Obj(A), Obj(A, required: "\"a\""), "-+-" },
        { "required dropped", Json, Obj(A, required: "\"a\""), Obj(A), "+--" },
        { "enum value added", Json, """{"enum":["x","y"]}""", """{"enum":["x","y","z"]}""", "+--" },
        { "protobuf field added", Proto, Msg("string name = 1;"), Msg("string name = 1;\nint32 age = 2;"), "+++" },
        { "protobuf field removed", Proto, Msg("string name = 1;\nint32 age = 2;"), Msg("string name = 1;"), "+++" },
        { "protobuf field renamed", Proto, Msg("string name = 1;"), Msg("string full_name = 1;"), "+++" },
        { "protobuf field renumbered", Proto, Msg("string name = 1;"), Msg("string name = 2;"), "+++" },
        { "protobuf field numbers swapped across types", Proto, Msg("string name = 1;\nint32 age = 2;"), Msg("string name = 2;\nint32 age = 1;"), "---" },
        { "protobuf int32 widened to int64", Proto, Msg("int32 age = 1;"), Msg("int64 age = 1;"), "+++" },
        { "protobuf int32 changed to string", Proto, Msg("int32 age = 1;"), Msg("string age = 1;"), "---" },
        { "protobuf field made repeated", Proto, Msg("string name = 1;"), Msg("repeated string name = 1;"), "---" },
        { "protobuf message removed", Proto, Msg("string name = 1;", "message Extra { int32 x = 1; }\n"), Msg("string name = 1;"), "-+-" },
        { "protobuf package changed", Proto, Msg("string name = 1;"), Msg("string name = 1;").Replace("package example;", "package other;", StringComparison.Ordinal), "---" },
        { "maxLength narrowed", Json, """{"type":"string","maxLength":10}""", """{"type":"string","maxLength":5}""", "-+-" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Verdicts_match_Confluents(string evolution, string type, string oldSchema, string newSchema, string verdicts)
    {
        var types = new SchemaTypeRegistry();
        ISchemaType t = types.Find(type)!;
        ParsedSchema old = t.Parse(oldSchema, [], normalize: false);
        ParsedSchema @new = t.Parse(newSchema, [], normalize: false);
        var levels = new[] { CompatibilityLevel.Backward, CompatibilityLevel.Forward, CompatibilityLevel.Full };
        for (int i = 0; i < levels.Length; i++)
        {
            var problems = new List<string>();
            if (CompatibilityLevels.ChecksBackward(levels[i])) problems.AddRange(t.ReaderIncompatibilities(@new, old));
            if (CompatibilityLevels.ChecksForward(levels[i])) problems.AddRange(t.ReaderIncompatibilities(old, @new));
            bool expected = verdicts[i] == '+';
            Assert.True(expected == (problems.Count == 0),
                $"{evolution} at {levels[i]}: expected {(expected ? "compatible" : "incompatible")}, got [{string.Join("; ", problems)}]");
        }
    }
}
