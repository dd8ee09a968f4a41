using System.Net;
using System.Text.Json.Nodes;
using Chronik.Broker;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Confluent.SchemaRegistry;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>
/// HTTP basic authentication against the broker's SASL/PLAIN users and SCRAM credentials, and authorization by the
/// subject's topic ACLs (set with Confluent.Kafka's admin client) with super users for /config and /mode changes.
/// </summary>
public sealed class RegistrySecurityTests : IAsyncLifetime
{
    private const string Avro1 = """{"type":"record","name":"Order","fields":[{"name":"id","type":"int"}]}""";
    private const string Avro2 = """{"type":"record","name":"Order","fields":[{"name":"id","type":"int"},{"name":"note","type":"string","default":""}]}""";
    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        _server = await RegistryServer.StartAsync(Secure);
        // bob is a SCRAM user only, created the Kafka way.
        using IAdminClient admin = Admin("admin", "admin-secret");
        await admin.AlterUserScramCredentialsAsync([new UserScramCredentialUpsertion
        {
            User = "bob",
            ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 4096 },
            Password = "bob-secret"u8.ToArray(),
        }]);
        await admin.CreateAclsAsync([
            Allow("User:alice", "orders", ResourcePatternType.Literal, AclOperation.Read),
            Allow("User:alice", "orders", ResourcePatternType.Literal, AclOperation.Write),
            Allow("User:carol", "orders", ResourcePatternType.Literal, AclOperation.Read),
            Allow("User:bob", "com.example.", ResourcePatternType.Prefixed, AclOperation.All),
        ]);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void Secure(BrokerOptions o)
    {
        o.Security.Protocol = Chronik.Broker.Security.SecurityProtocol.SaslPlaintext;
        o.Security.PlainUsers["admin"] = "admin-secret";
        o.Security.PlainUsers["alice"] = "alice-secret";
        o.Security.PlainUsers["carol"] = "carol-secret";
        o.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        o.SuperUsers = "User:admin";
    }

    private IAdminClient Admin(string user, string password) => new AdminClientBuilder(new AdminClientConfig
    {
        BootstrapServers = _server.Bootstrap,
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = SaslMechanism.Plain,
        SaslUsername = user,
        SaslPassword = password,
    }).Build();

    private static AclBinding Allow(string principal, string topic, ResourcePatternType pattern, AclOperation op) => new()
    {
        Pattern = new ResourcePattern { Type = ResourceType.Topic, Name = topic, ResourcePatternType = pattern },
        Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = op, PermissionType = AclPermissionType.Allow },
    };

    private RestClient As(string? userInfo) => new(_server.Url, userInfo);

    private CachedSchemaRegistryClient Registry(string userInfo) => new(new SchemaRegistryConfig
    {
        Url = _server.Url,
        BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo,
        BasicAuthUserInfo = userInfo,
    });

    private static JsonObject Body(string schema) => new() { ["schema"] = schema };

    [Theory]
    [InlineData(null)]
    [InlineData("alice:wrong")]
    [InlineData("bob:wrong")]
    [InlineData("nobody:x")]
    [InlineData("alice")]
    public async Task Missing_or_bad_credentials_are_401_with_error_code_40101(string? userInfo)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/subjects");
        if (userInfo is not null)
        {
            request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(userInfo)));
        }
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        JsonNode body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(40101, body["error_code"]!.GetValue<int>());
        Assert.Equal("application/vnd.schemaregistry.v1+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Plain_and_scram_users_authenticate_with_Confluent_basic_auth()
    {
        using CachedSchemaRegistryClient alice = Registry("alice:alice-secret");
        int id = await alice.RegisterSchemaAsync("orders-value", new Schema(Avro1, SchemaType.Avro));
        Assert.Equal(Avro1, (await alice.GetSchemaAsync(id)).SchemaString);

        // SCRAM: twice, the second answer from the verified-login cache.
        using CachedSchemaRegistryClient bob = Registry("bob:bob-secret");
        Assert.True(await bob.RegisterSchemaAsync("com.example.Order", new Schema(Avro1, SchemaType.Avro)) > 0);
        Assert.Equal([1], await bob.GetSubjectVersionsAsync("com.example.Order"));

        using CachedSchemaRegistryClient wrong = Registry("bob:nope");
        var e = await Assert.ThrowsAsync<SchemaRegistryException>(() => wrong.GetSubjectVersionsAsync("com.example.Order"));
        Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
    }

    [Fact]
    public async Task Topic_acls_guard_subjects_reads_and_writes()
    {
        using RestClient alice = As("alice:alice-secret"), carol = As("carol:carol-secret"), bob = As("bob:bob-secret");
        int id = await alice.RegisterAsync("orders-value", Avro1);

        // carol reads the topic but may not write to it: no register, no compatibility test, no delete.
        var (status, body, _) = await carol.PostAsync("/subjects/orders-value/versions", Body(Avro2));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(40301, body!["error_code"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.PostAsync("/compatibility/subjects/orders-value/versions/latest", Body(Avro2))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.DeleteAsync("/subjects/orders-value")).Status);
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync("/subjects/orders-value/versions/latest")).Status);
        Assert.Equal(HttpStatusCode.OK, (await carol.PostAsync("/subjects/orders-value", Body(Avro1))).Status);
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync($"/schemas/ids/{id}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync("/config/orders-value?defaultToGlobal=true")).Status);

        // bob has no ACL on "orders": its subjects are hidden from listings and its schemas unreadable.
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync("/subjects/orders-value/versions")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync($"/schemas/ids/{id}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/subjects/orders-key/versions", Body(Avro1))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync("/schemas/ids/999")).Status);
        Assert.Empty((await bob.GetAsync("/subjects")).Body!.AsArray());
        Assert.Equal(["orders-value"], (await carol.GetAsync("/subjects")).Body!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/compatibility/subjects/orders-value/versions/latest", Body(Avro2))).Status);
    }

    [Fact]
    public async Task Config_and_mode_changes_need_a_super_user_and_global_reads_any_user()
    {
        using RestClient alice = As("alice:alice-secret"), admin = As("admin:admin-secret");
        var full = new JsonObject { ["compatibility"] = "FULL" };
        foreach (string path in (string[])["/config", "/config/orders-value"])
        {
            var (status, body, _) = await alice.PutAsync(path, full);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal(40301, body!["error_code"]!.GetValue<int>());
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(path, full)).Status);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.DeleteAsync("/config/orders-value")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PutAsync("/mode", new JsonObject { ["mode"] = "READONLY" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.DeleteAsync("/mode")).Status);
        Assert.Equal("FULL", (await alice.GetAsync("/config")).Body!["compatibilityLevel"]!.GetValue<string>());
        Assert.Equal("READWRITE", (await alice.GetAsync("/mode")).Body!["mode"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/schemas/types")).Status);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/config/orders-value")).Status);
    }
}
