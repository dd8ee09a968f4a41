using Chronik.Coordination.Acls;
using Confluent.Kafka;

namespace Chronik.Embedded.PackageTests;

/// <summary>SASL/PLAIN users and an ACL that denies one of them a produce.</summary>
public sealed class SaslAclTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async ValueTask InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            SaslUsers = new Dictionary<string, string> { ["alice"] = "alice-secret", ["bob"] = "bob-secret" },
            SuperUsers = ["User:alice"],
            Acls =
            [
                new AclBinding(AclResourceType.Topic, "open", AclPatternType.Literal, "User:bob", "*", AclOperation.All, AclPermissionType.Allow),
                new AclBinding(AclResourceType.Topic, "secret", AclPatternType.Literal, "User:bob", "*", AclOperation.Describe, AclPermissionType.Allow),
                new AclBinding(AclResourceType.Topic, "secret", AclPatternType.Literal, "User:bob", "*", AclOperation.Write, AclPermissionType.Deny),
            ],
        });
        await _broker.CreateTopicsAsync("open", "secret");
    }

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task An_acl_denies_bob_a_produce_that_it_allows_elsewhere_and_alice_passes_as_super_user()
    {
        using IProducer<Null, string> bob = Producer("bob", "bob-secret");
        DeliveryResult<Null, string> ok = await bob.ProduceAsync("open", new Message<Null, string> { Value = "hello" });
        Assert.Equal(PersistenceStatus.Persisted, ok.Status);

        var denied = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => bob.ProduceAsync("secret", new Message<Null, string> { Value = "nope" }));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, denied.Error.Code);

        using IProducer<Null, string> alice = Producer("alice", "alice-secret");
        Assert.Equal(PersistenceStatus.Persisted, (await alice.ProduceAsync("secret", new Message<Null, string> { Value = "mine" })).Status);
    }

    [Fact]
    public async Task A_wrong_password_is_refused()
    {
        using IProducer<Null, string> mallory = Producer("bob", "guess", messageTimeoutMs: 5000);
        var refused = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => mallory.ProduceAsync("open", new Message<Null, string> { Value = "x" }));
        Assert.NotEqual(ErrorCode.NoError, refused.Error.Code);
    }

    private IProducer<Null, string> Producer(string user, string password, int messageTimeoutMs = 30000) =>
        new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            SecurityProtocol = SecurityProtocol.SaslPlaintext,
            SaslMechanism = SaslMechanism.Plain,
            SaslUsername = user,
            SaslPassword = password,
            MessageTimeoutMs = messageTimeoutMs,
        }).Build();
}
