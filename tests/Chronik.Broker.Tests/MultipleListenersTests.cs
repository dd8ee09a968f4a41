using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Chronik.Broker.Configuration;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// PLAINTEXT, SASL_SSL and a second plaintext listener (INTERNAL, advertised under another name) on one broker, set up
/// from server.properties keys: clients on each produce and consume, and each is given its own listener's address.
/// </summary>
public sealed class MultipleListenersTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-listeners").FullName;
    private readonly int _saslPort = BrokerFixture.FreePort();
    private readonly int _internalPort = BrokerFixture.FreePort();
    private BrokerFixture _broker = null!;
    private string _ca = "";
    private string _certHash = "";

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _certHash = cert.GetCertHashString();
        string p12 = Path.Combine(_dir, "server.p12");
        _ca = Path.Combine(_dir, "ca.pem");
        await File.WriteAllBytesAsync(p12, cert.Export(X509ContentType.Pkcs12, "pw"));
        await File.WriteAllTextAsync(_ca, cert.ExportCertificatePem());

        _broker = new BrokerFixture
        {
            ConfigureOptions = o =>
            {
                var config = ServerConfigLoader.LoadProperties(o, new Dictionary<string, string>
                {
                    ["listener.security.protocol.map"] = "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT",
                    ["listeners"] = $"PLAINTEXT://127.0.0.1:{o.KafkaPort},SASL_SSL://127.0.0.1:{_saslPort},INTERNAL://127.0.0.1:{_internalPort}",
                    ["advertised.listeners"] = $"PLAINTEXT://127.0.0.1:{o.KafkaPort},INTERNAL://internal.example:{_internalPort + 1}",
                    ["listener.name.sasl_ssl.ssl.keystore.location"] = p12,
                    ["listener.name.sasl_ssl.ssl.keystore.password"] = "pw",
                    ["listener.name.sasl_ssl.sasl.enabled.mechanisms"] = "PLAIN",
                    ["listener.name.sasl_ssl.plain.sasl.jaas.config"] =
                        "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\";",
                }, "test");
                Assert.True(config.IsValid, string.Join("; ", config.Errors));
                Assert.Empty(config.Warnings);
            },
        };
        await _broker.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private ClientConfig Plaintext() => new() { BootstrapServers = _broker.Bootstrap };

    private ClientConfig SaslSsl() => new()
    {
        BootstrapServers = $"127.0.0.1:{_saslPort}",
        SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslSsl,
        SslCaLocation = _ca,
        SaslMechanism = SaslMechanism.Plain,
        SaslUsername = "alice",
        SaslPassword = "alice-secret",
    };

    [Fact]
    public async Task Clients_on_each_listener_produce_consume_and_see_their_own_listener_in_metadata()
    {
        await RoundTrip(Plaintext(), "multi-plain");
        await RoundTrip(SaslSsl(), "multi-sasl");

        using var plainAdmin = new AdminClientBuilder(Plaintext()).Build();
        var plainBroker = Assert.Single(plainAdmin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers);
        Assert.Equal(("127.0.0.1", _broker.Port), (plainBroker.Host, plainBroker.Port));

        using var saslAdmin = new AdminClientBuilder(SaslSsl()).Build();
        var saslBroker = Assert.Single(saslAdmin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers);
        Assert.Equal(("127.0.0.1", _saslPort), (saslBroker.Host, saslBroker.Port));
        var cluster = await saslAdmin.DescribeClusterAsync();
        Assert.Equal(("127.0.0.1", _saslPort), (cluster.Nodes.Single().Host, cluster.Nodes.Single().Port));
    }

    [Fact]
    public void Metadata_DescribeCluster_and_FindCoordinator_answer_with_the_listener_the_request_came_in_on()
    {
        foreach (var (port, host, advertisedPort) in new[] { (_broker.Port, "127.0.0.1", _broker.Port), (_internalPort, "internal.example", _internalPort + 1) })
        {
            using var c = new RawClient(port);
            var metadata = Call<MetadataResponse>(c, new MetadataRequest { Topics = [] }, 12);
            Assert.Equal((host, advertisedPort), (metadata.Brokers.Single().Host, metadata.Brokers.Single().Port));
            var cluster = Call<DescribeClusterResponse>(c, new DescribeClusterRequest(), 1);
            Assert.Equal((host, advertisedPort), (cluster.Brokers.Single().Host, cluster.Brokers.Single().Port));
            var coordinator = Call<FindCoordinatorResponse>(c, new FindCoordinatorRequest { KeyType = 0, CoordinatorKeys = ["g-multi"] }, 4);
            Assert.Equal((host, advertisedPort), (coordinator.Coordinators.Single().Host, coordinator.Coordinators.Single().Port));
            var single = Call<FindCoordinatorResponse>(c, new FindCoordinatorRequest { KeyType = 0, Key = "g-multi" }, 3);
            Assert.Equal((host, advertisedPort), (single.Host, single.Port));
        }
    }

    [Fact]
    public void The_plaintext_listener_needs_no_sasl_while_the_sasl_listener_refuses_requests_before_authentication()
    {
        using (var plain = new RawClient(_broker.Port))
        {
            Assert.Empty(Call<MetadataResponse>(plain, new MetadataRequest { Topics = [] }, 12).Topics);
        }
        using var sasl = new System.Net.Sockets.TcpClient("127.0.0.1", _saslPort);
        using var tls = new System.Net.Security.SslStream(sasl.GetStream(), false, (_, c, _, _) => c?.GetCertHashString() == _certHash);
        tls.AuthenticateAsClient("127.0.0.1");
        var request = new MetadataRequest { Topics = [] };
        var header = new RequestHeader { RequestApiKey = request.ApiKey, RequestApiVersion = 12, CorrelationId = 1, ClientId = "raw-test" };
        byte[] payload = [.. header.ToBytes(ApiKeys.RequestHeaderVersion(request.ApiKey, 12)), .. request.ToBytes(12)];
        var frame = new byte[4 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        tls.Write(frame);
        // A request before SASL authentication closes the connection (Kafka's SaslServerAuthenticator does the same).
        Assert.Equal(0, tls.Read(new byte[16]));
    }

    private static T Call<T>(RawClient c, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private static Task RoundTrip(ClientConfig client, string topic) => ClientRoundTrip.ProduceThenConsumeAsync(client, topic, 5);
}
