using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>The REST API against an in-process broker: each endpoint's answer, Confluent's error codes, and what survives a restart.</summary>
public sealed class RestApiTests : IAsyncLifetime, IDisposable
{
    private const string User1 = """{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}""";
    private const string User2 = """{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]}""";
    private const string UserNoDefault = """{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"email","type":"string"}]}""";

    private RegistryServer _server = null!;
    private RestClient _rest = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync();
        _rest = new RestClient(_server.Url);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _rest?.Dispose();

    private static JsonObject Schema(string schema, string? type = null)
    {
        var o = new JsonObject { ["schema"] = schema };
        if (type is not null) o["schemaType"] = type;
        return o;
    }

    private static void AssertError(HttpStatusCode status, JsonNode? body, int http, int code)
    {
        Assert.Equal(http, (int)status);
        Assert.Equal(code, body?["error_code"]?.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body?["message"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Register_read_and_list()
    {
        var (status, body, contentType) = await _rest.PostAsync("/subjects/users-value/versions", Schema(User1));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/vnd.schemaregistry.v1+json", contentType);
        int id = body!["id"]!.GetValue<int>();
        Assert.Equal(id, await _rest.RegisterAsync("users-value", User1));
        Assert.Equal(id, await _rest.RegisterAsync("users-value", User1.Replace(",", ", ", StringComparison.Ordinal)));
        int id2 = await _rest.RegisterAsync("users-value", User2);
        Assert.NotEqual(id, id2);
        // The same schema in another subject keeps its global id.
        Assert.Equal(id, await _rest.RegisterAsync("other-value", User1));

        Assert.Equal("[\"other-value\",\"users-value\"]", (await _rest.GetAsync("/subjects")).Body!.ToJsonString());
        Assert.Equal("[1,2]", (await _rest.GetAsync("/subjects/users-value/versions")).Body!.ToJsonString());
        var latest = (await _rest.GetAsync("/subjects/users-value/versions/latest")).Body!;
        Assert.Equal((2, id2, "users-value"), (latest["version"]!.GetValue<int>(), latest["id"]!.GetValue<int>(), latest["subject"]!.GetValue<string>()));
        Assert.Equal(User1, (await _rest.GetAsync("/subjects/users-value/versions/1")).Body!["schema"]!.GetValue<string>());
        Assert.Equal(User1, (await _rest.GetAsync("/subjects/users-value/versions/1/schema")).Body!.ToJsonString());
        Assert.Equal(User1, (await _rest.GetAsync($"/schemas/ids/{id}")).Body!["schema"]!.GetValue<string>());
        Assert.Equal("[\"other-value\",\"users-value\"]", (await _rest.GetAsync($"/schemas/ids/{id}/subjects")).Body!.ToJsonString());
        Assert.Equal("[{\"subject\":\"other-value\",\"version\":1},{\"subject\":\"users-value\",\"version\":1}]",
            (await _rest.GetAsync($"/schemas/ids/{id}/versions")).Body!.ToJsonString());
        Assert.Equal("[\"AVRO\",\"JSON\",\"PROTOBUF\"]", (await _rest.GetAsync("/schemas/types")).Body!.ToJsonString());

        var found = (await _rest.PostAsync("/subjects/users-value", Schema(User2))).Body!;
        Assert.Equal((2, id2), (found["version"]!.GetValue<int>(), found["id"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Errors_carry_Confluents_codes()
    {
        await _rest.RegisterAsync("s", User1);
        var r = await _rest.GetAsync("/subjects/nope/versions");
        AssertError(r.Status, r.Body, 404, 40401);
        r = await _rest.GetAsync("/subjects/s/versions/7");
        AssertError(r.Status, r.Body, 404, 40402);
        r = await _rest.GetAsync("/schemas/ids/999");
        AssertError(r.Status, r.Body, 404, 40403);
        r = await _rest.PostAsync("/subjects/s", Schema(User2));
        AssertError(r.Status, r.Body, 404, 40403);
        r = await _rest.GetAsync("/subjects/s/versions/zero");
        AssertError(r.Status, r.Body, 422, 42202);
        r = await _rest.PostAsync("/subjects/s/versions", Schema("{\"type\":\"record\""));
        AssertError(r.Status, r.Body, 422, 42201);
        r = await _rest.PostAsync("/subjects/s/versions", Schema("{\"type\":\"nope\"}"));
        AssertError(r.Status, r.Body, 422, 42201);
        r = await _rest.PostAsync("/subjects/s/versions", Schema(User1, "XML"));
        AssertError(r.Status, r.Body, 422, 42201);
        r = await _rest.PutAsync("/config", new JsonObject { ["compatibility"] = "SIDEWAYS" });
        AssertError(r.Status, r.Body, 422, 42203);
        r = await _rest.PutAsync("/mode", new JsonObject { ["mode"] = "SOMETIMES" });
        AssertError(r.Status, r.Body, 422, 42204);
        r = await _rest.GetAsync("/config/s");
        AssertError(r.Status, r.Body, 404, 40408);
        r = await _rest.PostAsync("/subjects/s/versions", Schema(UserNoDefault));
        AssertError(r.Status, r.Body, 409, 409);
        Assert.Contains("READER_FIELD_MISSING_DEFAULT_VALUE", r.Body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        r = await _rest.PostAsync("/subjects/s/versions", new JsonObject { ["schema"] = User1, ["schemaType"] = 5 });
        AssertError(r.Status, r.Body, 422, 422);
        r = await _rest.GetAsync("/no/such/route");
        AssertError(r.Status, r.Body, 404, 404);
    }

    [Fact]
    public async Task Config_levels_and_transitivity()
    {
        Assert.Equal("BACKWARD", (await _rest.GetAsync("/config")).Body!["compatibilityLevel"]!.GetValue<string>());
        string v1 = """{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}""";
        string v2 = """{"type":"record","name":"R","fields":[]}""";
        string v3 = """{"type":"record","name":"R","fields":[{"name":"a","type":"string","default":""}]}""";
        await _rest.RegisterAsync("t", v1);
        await _rest.RegisterAsync("t", v2);
        var put = await _rest.PutAsync("/config/t", new JsonObject { ["compatibility"] = "BACKWARD_TRANSITIVE" });
        Assert.Equal("{\"compatibility\":\"BACKWARD_TRANSITIVE\"}", put.Body!.ToJsonString());
        var check = await _rest.PostAsync("/compatibility/subjects/t/versions/latest?verbose=true", Schema(v3));
        Assert.True(check.Body!["is_compatible"]!.GetValue<bool>());
        check = await _rest.PostAsync("/compatibility/subjects/t/versions/1?verbose=true", Schema(v3));
        Assert.False(check.Body!["is_compatible"]!.GetValue<bool>());
        Assert.Contains("TYPE_MISMATCH", check.Body!["messages"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(409, (int)(await _rest.PostAsync("/subjects/t/versions", Schema(v3))).Status);
        await _rest.PutAsync("/config/t", new JsonObject { ["compatibility"] = "BACKWARD" });
        Assert.Equal(3, (await _rest.PostAsync("/subjects/t/versions", Schema(v3))).Body!["id"]!.GetValue<int>());
        Assert.Equal("BACKWARD", (await _rest.GetAsync("/config/t")).Body!["compatibilityLevel"]!.GetValue<string>());
        Assert.Equal("BACKWARD", (await _rest.DeleteAsync("/config/t")).Body!["compatibilityLevel"]!.GetValue<string>());
        Assert.Equal("BACKWARD", (await _rest.GetAsync("/config/t?defaultToGlobal=true")).Body!["compatibilityLevel"]!.GetValue<string>());
        await _rest.PutAsync("/config", new JsonObject { ["compatibility"] = "NONE" });
        Assert.Equal("NONE", (await _rest.GetAsync("/config")).Body!["compatibilityLevel"]!.GetValue<string>());
    }

    [Fact]
    public async Task Soft_and_hard_deletes()
    {
        await _rest.RegisterAsync("d", User1);
        await _rest.RegisterAsync("d", User2);
        var r = await _rest.DeleteAsync("/subjects/d/versions/1?permanent=true");
        AssertError(r.Status, r.Body, 404, 40407);
        Assert.Equal(1, (await _rest.DeleteAsync("/subjects/d/versions/1")).Body!.GetValue<int>());
        r = await _rest.DeleteAsync("/subjects/d/versions/1");
        AssertError(r.Status, r.Body, 404, 40402);
        Assert.Equal("[2]", (await _rest.GetAsync("/subjects/d/versions")).Body!.ToJsonString());
        Assert.Equal("[1,2]", (await _rest.GetAsync("/subjects/d/versions?deleted=true")).Body!.ToJsonString());
        r = await _rest.DeleteAsync("/subjects/d?permanent=true");
        AssertError(r.Status, r.Body, 404, 40405);
        Assert.Equal("[2]", (await _rest.DeleteAsync("/subjects/d")).Body!.ToJsonString());
        r = await _rest.DeleteAsync("/subjects/d");
        AssertError(r.Status, r.Body, 404, 40404);
        Assert.Equal("[]", (await _rest.GetAsync("/subjects")).Body!.ToJsonString());
        Assert.Equal("[\"d\"]", (await _rest.GetAsync("/subjects?deleted=true")).Body!.ToJsonString());
        Assert.Equal("[1,2]", (await _rest.DeleteAsync("/subjects/d?permanent=true")).Body!.ToJsonString());
        Assert.Equal("[]", (await _rest.GetAsync("/subjects?deleted=true")).Body!.ToJsonString());
    }

    [Fact]
    public async Task Modes_refuse_and_import()
    {
        await _rest.PutAsync("/mode", new JsonObject { ["mode"] = "READONLY" });
        var r = await _rest.PostAsync("/subjects/m/versions", Schema(User1));
        AssertError(r.Status, r.Body, 422, 42205);
        await _rest.PutAsync("/mode", new JsonObject { ["mode"] = "IMPORT" });
        var body = Schema(User1);
        body["id"] = 100;
        body["version"] = 5;
        Assert.Equal(100, (await _rest.PostAsync("/subjects/m/versions", body)).Body!["id"]!.GetValue<int>());
        Assert.Equal("[5]", (await _rest.GetAsync("/subjects/m/versions")).Body!.ToJsonString());
        r = await _rest.PutAsync("/mode", new JsonObject { ["mode"] = "IMPORT" });
        AssertError(r.Status, r.Body, 422, 42205);
        await _rest.PutAsync("/mode", new JsonObject { ["mode"] = "READWRITE" });
        Assert.Equal(101, await _rest.RegisterAsync("m", User2));
        Assert.Equal("READWRITE", (await _rest.GetAsync("/mode")).Body!["mode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Json_schema_and_references()
    {
        string address = """{"type":"object","properties":{"city":{"type":"string"}}}""";
        int id = await _rest.RegisterAsync("address", address, "JSON");
        Assert.Equal("JSON", (await _rest.GetAsync($"/schemas/ids/{id}")).Body!["schemaType"]!.GetValue<string>());
        string avroAddress = """{"type":"record","name":"Address","namespace":"com.example","fields":[{"name":"city","type":"string"}]}""";
        await _rest.RegisterAsync("avro-address", avroAddress);
        var person = Schema("""{"type":"record","name":"Person","namespace":"com.example","fields":[{"name":"home","type":"Address"}]}""");
        person["references"] = new JsonArray(new JsonObject { ["name"] = "com.example.Address", ["subject"] = "avro-address", ["version"] = 1 });
        var r = await _rest.PostAsync("/subjects/person/versions", person);
        Assert.Equal(HttpStatusCode.OK, r.Status);
        int personId = r.Body!["id"]!.GetValue<int>();
        Assert.Equal("avro-address", (await _rest.GetAsync($"/schemas/ids/{personId}")).Body!["references"]![0]!["subject"]!.GetValue<string>());
        Assert.Equal($"[{personId}]", (await _rest.GetAsync("/subjects/avro-address/versions/1/referencedby")).Body!.ToJsonString());
        r = await _rest.DeleteAsync("/subjects/avro-address/versions/1");
        AssertError(r.Status, r.Body, 422, 42206);
        string proto = "syntax = \"proto3\";\nmessage Greeting {\n  string text = 1;\n}\n";
        int protoId = await _rest.RegisterAsync("greeting", proto, "PROTOBUF");
        Assert.Equal("PROTOBUF", (await _rest.GetAsync($"/schemas/ids/{protoId}")).Body!["schemaType"]!.GetValue<string>());
        r = await _rest.PostAsync("/subjects/greeting/versions", Schema(proto.Replace("string text", "int32 text", StringComparison.Ordinal), "PROTOBUF"));
        AssertError(r.Status, r.Body, 409, 409);
        r = await _rest.PostAsync("/subjects/greeting/versions", Schema("message {", "PROTOBUF"));
        AssertError(r.Status, r.Body, 422, 42201);
        // normalize: key order and whitespace do not make a new version.
        var reordered = Schema("""{ "properties": {"city": {"type": "string"}}, "type": "object" }""", "JSON");
        var n = await _rest.PostAsync("/subjects/address/versions?normalize=true", reordered);
        Assert.Equal(HttpStatusCode.OK, n.Status);
        Assert.Equal("[1]", (await _rest.GetAsync("/subjects/address/versions")).Body!.ToJsonString());
    }

    [Fact]
    public async Task State_survives_a_restart()
    {
        int id1 = await _rest.RegisterAsync("keep", User1);
        int id2 = await _rest.RegisterAsync("keep", User2);
        await _rest.RegisterAsync("gone", UserNoDefault);
        await _rest.PutAsync("/config/gone", new JsonObject { ["compatibility"] = "NONE" });
        await _rest.DeleteAsync("/subjects/gone");
        await _rest.DeleteAsync("/subjects/keep/versions/1");
        await _rest.PutAsync("/config/keep", new JsonObject { ["compatibility"] = "FULL" });
        await _rest.PutAsync("/config", new JsonObject { ["compatibility"] = "FORWARD" });
        await _rest.PutAsync("/mode/keep", new JsonObject { ["mode"] = "READONLY" });

        await _server.RestartAsync();

        Assert.Equal("[\"keep\"]", (await _rest.GetAsync("/subjects")).Body!.ToJsonString());
        Assert.Equal("[\"gone\",\"keep\"]", (await _rest.GetAsync("/subjects?deleted=true")).Body!.ToJsonString());
        Assert.Equal("[2]", (await _rest.GetAsync("/subjects/keep/versions")).Body!.ToJsonString());
        Assert.Equal(id2, (await _rest.GetAsync("/subjects/keep/versions/latest")).Body!["id"]!.GetValue<int>());
        Assert.Equal(User1, (await _rest.GetAsync($"/schemas/ids/{id1}")).Body!["schema"]!.GetValue<string>());
        Assert.Equal("FULL", (await _rest.GetAsync("/config/keep")).Body!["compatibilityLevel"]!.GetValue<string>());
        Assert.Equal("FORWARD", (await _rest.GetAsync("/config")).Body!["compatibilityLevel"]!.GetValue<string>());
        Assert.Equal("READONLY", (await _rest.GetAsync("/mode/keep")).Body!["mode"]!.GetValue<string>());
        Assert.Equal(404, (int)(await _rest.GetAsync("/config/gone")).Status);
        // A new schema after the restart gets the next id, not a reused one.
        int id3 = await _rest.RegisterAsync("fresh", """{"type":"string"}""");
        Assert.Equal(4, id3);
    }
}
