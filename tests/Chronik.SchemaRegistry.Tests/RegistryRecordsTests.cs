using System.Text;
using Chronik.SchemaRegistry.State;
using Chronik.SchemaRegistry.Storage;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>The <c>_schemas</c> records are Confluent's key/value JSON, and replaying them rebuilds the state.</summary>
public class RegistryRecordsTests
{
    private static string Text(byte[]? b) => b is null ? "null" : Encoding.UTF8.GetString(b);

    [Fact]
    public void Keys_and_values_are_Confluents()
    {
        var entry = new SchemaEntry("s", 2, 7, SchemaTypeNames.Json, "{}", [new SchemaReference("r", "t", 1)], Deleted: false);
        RegistryRecord schema = RegistryRecords.Schema(entry);
        Assert.Equal("""{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}""", Text(schema.Key));
        Assert.Equal("""{"subject":"s","version":2,"id":7,"schemaType":"JSON","references":[{"name":"r","subject":"t","version":1}],"schema":"{}","deleted":false}""",
            Text(schema.Value));
        Assert.Equal("""{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":true}""",
            Text(RegistryRecords.Schema(new SchemaEntry("s", 1, 1, SchemaTypeNames.Avro, "\"string\"", [], true)).Value));
        RegistryRecord config = RegistryRecords.Config(null, CompatibilityLevel.FullTransitive);
        Assert.Equal("""{"keytype":"CONFIG","subject":null,"magic":0}""", Text(config.Key));
        Assert.Equal("""{"compatibilityLevel":"FULL_TRANSITIVE"}""", Text(config.Value));
        RegistryRecord mode = RegistryRecords.Mode("s", RegistryMode.ReadOnly);
        Assert.Equal("""{"keytype":"MODE","subject":"s","magic":0}""", Text(mode.Key));
        Assert.Equal("""{"mode":"READONLY"}""", Text(mode.Value));
        RegistryRecord delete = RegistryRecords.DeleteSubject("s", 3);
        Assert.Equal("""{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}""", Text(delete.Key));
        Assert.Equal("""{"subject":"s","version":3}""", Text(delete.Value));
        Assert.Equal("""{"keytype":"NOOP","magic":0}""", Text(RegistryRecords.Noop().Key));
    }

    [Fact]
    public void Replaying_Confluents_records_rebuilds_the_state()
    {
        var state = new RegistryState();
        string[][] log =
        [
            ["""{"keytype":"SCHEMA","subject":"a","version":1,"magic":1}""", """{"subject":"a","version":1,"id":1,"schema":"\"string\"","deleted":false}"""],
            ["""{"keytype":"SCHEMA","subject":"a","version":2,"magic":1}""", """{"subject":"a","version":2,"id":2,"schema":"\"int\"","deleted":false}"""],
            ["""{"keytype":"SCHEMA","subject":"b","version":1,"magic":1}""", """{"subject":"b","version":1,"id":1,"schema":"\"string\"","deleted":false}"""],
            ["""{"keytype":"CONFIG","subject":null,"magic":0}""", """{"compatibilityLevel":"NONE"}"""],
            ["""{"keytype":"MODE","subject":"a","magic":0}""", """{"mode":"READONLY"}"""],
            ["""{"keytype":"DELETE_SUBJECT","subject":"b","magic":0}""", """{"subject":"b","version":1}"""],
            ["""{"keytype":"SCHEMA","subject":"a","version":1,"magic":1}""", "null"],
            ["""{"keytype":"NOOP","magic":0}""", "null"],
            ["""{"keytype":"SOMETHING_NEWER","magic":0}""", """{"x":1}"""],
        ];
        foreach (string[] r in log) state.Apply(new RegistryRecord(Encoding.UTF8.GetBytes(r[0]), r[1] == "null" ? null : Encoding.UTF8.GetBytes(r[1])));

        Assert.Equal(["a"], state.Subjects(deleted: false));
        Assert.Equal(["a", "b"], state.Subjects(deleted: true));
        Assert.Equal([2], state.Versions("a").Select(e => e.Version));
        Assert.True(state.Versions("b").Single().Deleted);
        Assert.Equal(CompatibilityLevel.None, state.GlobalConfig);
        Assert.Equal(RegistryMode.ReadOnly, state.SubjectMode("a"));
        Assert.Equal(2, state.MaxId);
        Assert.Equal(1, state.IdOf(SchemaTypeNames.Avro, "\"string\"", []));
    }
}
