using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Chronik.Broker.Security;
using Chronik.Protocol.Messages;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>SASL (PLAIN, SCRAM) and TLS listeners, with Confluent.Kafka 2.15.1 and raw requests.</summary>
public class SecurityListenerTests
{
    private sealed class Scram(Dictionary<(string, string), ScramCredential> users) : IScramCredentialProvider
    {
        public ScramCredential? Find(string user, string mechanism) => users.GetValueOrDefault((user, mechanism));
    }

    private static BrokerFixture SaslBroker(Security.SecurityProtocol protocol = Security.SecurityProtocol.SaslPlaintext, string? keystore = null) => new()
    {
        ConfigureOptions = o =>
        {
            o.Security.Protocol = protocol;
            o.Security.PlainUsers["alice"] = "alice-secret";
            o.Security.KeystoreLocation = keystore;
        },
        ConfigureServices = s => s.AddSingleton<IScramCredentialProvider>(new Scram(new()
        {
            [("bob", SaslMechanisms.ScramSha256)] = ScramCredential.FromPassword(SaslMechanisms.ScramSha256, "bob-secret", RandomNumberGenerator.GetBytes(16), 4096),
            [("bob", SaslMechanisms.ScramSha512)] = ScramCredential.FromPassword(SaslMechanisms.ScramSha512, "bob-secret", RandomNumberGenerator.GetBytes(16), 4096),
        })),
    };

    private static Task RoundTrip(BrokerFixture broker, ClientConfig security, string topic) =>
        ClientRoundTrip.ProduceThenConsumeAsync(new ClientConfig(new Dictionary<string, string>(security)) { BootstrapServers = broker.Bootstrap }, topic, 10);

    [Theory]
    [InlineData(SaslMechanism.Plain, "alice", "alice-secret")]
    [InlineData(SaslMechanism.ScramSha256, "bob", "bob-secret")]
    [InlineData(SaslMechanism.ScramSha512, "bob", "bob-secret")]
    public async Task Sasl_plaintext_client_authenticates_and_produces_and_consumes(SaslMechanism mechanism, string user, string password)
    {
        var broker = SaslBroker();
        await broker.InitializeAsync();
        try
        {
            await RoundTrip(broker, new ClientConfig { SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext, SaslMechanism = mechanism, SaslUsername = user, SaslPassword = password },
                "sasl-" + mechanism.ToString().ToLowerInvariant());
        }
        finally { await broker.DisposeAsync(); }
    }

    [Theory]
    [InlineData(SaslMechanism.Plain, "alice")]
    [InlineData(SaslMechanism.ScramSha256, "bob")]
    [InlineData(SaslMechanism.ScramSha512, "nobody")]
    public async Task Wrong_password_fails_authentication(SaslMechanism mechanism, string user)
    {
        var broker = SaslBroker();
        await broker.InitializeAsync();
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = broker.Bootstrap,
                SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext,
                SaslMechanism = mechanism,
                SaslUsername = user,
                SaslPassword = "wrong",
            }).Build();
            var e = Assert.Throws<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(5)));
            Assert.NotEqual(Confluent.Kafka.ErrorCode.NoError, e.Error.Code);
        }
        finally { await broker.DisposeAsync(); }
    }

    [Fact]
    public async Task Before_authentication_only_api_versions_and_sasl_requests_are_served()
    {
        var broker = SaslBroker();
        await broker.InitializeAsync();
        try
        {
            using (var raw = new RawClient(broker.Port))
            {
                int c = raw.Send(new ApiVersionsRequest(), 0);
                Assert.Equal(0, raw.Receive<ApiVersionsResponse>(c, 0, 0).ErrorCode);
                raw.Send(new MetadataRequest(), 1);
                Assert.Null(raw.ReadFrame()); // closed, as Kafka does for a request during the SASL handshake
            }
            using (var raw = new RawClient(broker.Port))
            {
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "GSSAPI" }, 1);
                var r = raw.Receive<SaslHandshakeResponse>(c, 1, 0);
                Assert.Equal((short)Protocol.Messages.ErrorCode.UnsupportedSaslMechanism, r.ErrorCode);
                Assert.Contains("PLAIN", r.Mechanisms);
                Assert.Null(raw.ReadFrame());
            }
            using (var raw = new RawClient(broker.Port))
            {
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1);
                Assert.Equal(0, raw.Receive<SaslHandshakeResponse>(c, 1, 0).ErrorCode);
                c = raw.Send(new SaslAuthenticateRequest { AuthBytes = "\0alice\0bad"u8.ToArray() }, 2);
                var r = raw.Receive<SaslAuthenticateResponse>(c, 2, 1);
                Assert.Equal((short)Protocol.Messages.ErrorCode.SaslAuthenticationFailed, r.ErrorCode);
                Assert.Contains("Invalid username or password", r.ErrorMessage);
                Assert.Null(raw.ReadFrame());
            }
            using (var raw = new RawClient(broker.Port))
            {
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1);
                raw.Receive<SaslHandshakeResponse>(c, 1, 0);
                c = raw.Send(new SaslAuthenticateRequest { AuthBytes = "\0alice\0alice-secret"u8.ToArray() }, 1);
                Assert.Equal(0, raw.Receive<SaslAuthenticateResponse>(c, 1, 0).ErrorCode);
                c = raw.Send(new MetadataRequest(), 1);
                Assert.Single(raw.Receive<MetadataResponse>(c, 1, 0).Brokers);
                c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1);
                Assert.Equal((short)Protocol.Messages.ErrorCode.IllegalSaslState, raw.Receive<SaslHandshakeResponse>(c, 1, 0).ErrorCode);
            }
        }
        finally { await broker.DisposeAsync(); }
    }

    [Fact]
    public async Task Sasl_handshake_v0_then_bare_tokens()
    {
        var broker = SaslBroker();
        await broker.InitializeAsync();
        try
        {
            using (var raw = new RawClient(broker.Port))
            {
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 0);
                Assert.Equal(0, raw.Receive<SaslHandshakeResponse>(c, 0, 0).ErrorCode);
                raw.SendRaw("\0alice\0alice-secret"u8.ToArray());
                Assert.Empty(raw.ReadFrame()!); // PLAIN's (empty) server token, no Kafka header
                c = raw.Send(new MetadataRequest(), 1);
                Assert.Single(raw.Receive<MetadataResponse>(c, 1, 0).Brokers);
            }
            using (var raw = new RawClient(broker.Port))
            {
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 0);
                raw.Receive<SaslHandshakeResponse>(c, 0, 0);
                raw.SendRaw("\0alice\0wrong"u8.ToArray());
                Assert.Null(raw.ReadFrame());
            }
        }
        finally { await broker.DisposeAsync(); }
    }

    [Fact]
    public async Task Sessions_expire_after_connections_max_reauth_ms_unless_re_authenticated()
    {
        const long Lifetime = 5000;
        var broker = new BrokerFixture
        {
            ConfigureOptions = o =>
            {
                o.Security.Protocol = Security.SecurityProtocol.SaslPlaintext;
                o.Security.PlainUsers["alice"] = "alice-secret";
                o.Security.PlainUsers["mallory"] = "mallory-secret";
                o.Security.ConnectionsMaxReauthMs = Lifetime;
            },
        };
        await broker.InitializeAsync();
        try
        {
            static void Authenticate(RawClient raw, string user, string password, long expectLifetime)
            {
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1);
                Assert.Equal(0, raw.Receive<SaslHandshakeResponse>(c, 1, 0).ErrorCode);
                c = raw.Send(new SaslAuthenticateRequest { AuthBytes = System.Text.Encoding.UTF8.GetBytes($"\0{user}\0{password}") }, 2);
                var r = raw.Receive<SaslAuthenticateResponse>(c, 2, 1);
                Assert.Equal(0, r.ErrorCode);
                Assert.Equal(expectLifetime, r.SessionLifetimeMs);
            }
            // Waits are measured from fixed points, with seconds of margin either side of each expiry, so that a
            // busy machine (a late timer, a starved thread pool) cannot move a request across one.
            static async Task WaitUntil(System.Diagnostics.Stopwatch clock, long ms)
            {
                while (clock.ElapsedMilliseconds < ms) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, ms - clock.ElapsedMilliseconds)));
            }
            using (var raw = new RawClient(broker.Port))
            {
                Authenticate(raw, "alice", "alice-secret", Lifetime);
                var sinceFirst = System.Diagnostics.Stopwatch.StartNew();
                await WaitUntil(sinceFirst, 3000);
                Authenticate(raw, "alice", "alice-secret", Lifetime); // KIP-368 re-authentication on the same connection
                var sinceSecond = System.Diagnostics.Stopwatch.StartNew();
                await WaitUntil(sinceFirst, Lifetime + 800);
                Assert.True(sinceSecond.ElapsedMilliseconds < Lifetime - 1000, $"the machine stalled: {sinceSecond.ElapsedMilliseconds} ms since re-authenticating");
                int c = raw.Send(new MetadataRequest(), 1); // after the first session's end, inside the second's
                Assert.Single(raw.Receive<MetadataResponse>(c, 1, 0).Brokers);
                await WaitUntil(sinceSecond, Lifetime + 1500);
                raw.Send(new MetadataRequest(), 1);
                Assert.Null(raw.ReadFrame()); // expired without re-authenticating: closed, as Kafka does
            }
            using (var raw = new RawClient(broker.Port))
            {
                Authenticate(raw, "alice", "alice-secret", Lifetime);
                int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1);
                raw.Receive<SaslHandshakeResponse>(c, 1, 0);
                c = raw.Send(new SaslAuthenticateRequest { AuthBytes = "\0mallory\0mallory-secret"u8.ToArray() }, 2);
                var r = raw.Receive<SaslAuthenticateResponse>(c, 2, 1);
                Assert.Equal((short)Protocol.Messages.ErrorCode.SaslAuthenticationFailed, r.ErrorCode);
                Assert.Contains("Cannot change principals", r.ErrorMessage);
                Assert.Null(raw.ReadFrame());
            }
        }
        finally { await broker.DisposeAsync(); }
    }

    [Fact]
    public async Task Plaintext_listener_answers_sasl_requests_with_illegal_sasl_state()
    {
        var broker = new BrokerFixture();
        await broker.InitializeAsync();
        try
        {
            using var raw = new RawClient(broker.Port);
            int c = raw.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1);
            Assert.Equal((short)Protocol.Messages.ErrorCode.IllegalSaslState, raw.Receive<SaslHandshakeResponse>(c, 1, 0).ErrorCode);
            c = raw.Send(new ApiVersionsRequest(), 0);
            Assert.Equal(0, raw.Receive<ApiVersionsResponse>(c, 0, 0).ErrorCode);
        }
        finally { await broker.DisposeAsync(); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tls_listener_serves_clients_that_trust_its_certificate(bool withSasl)
    {
        string dir = Directory.CreateTempSubdirectory("chronik-tls").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            string p12 = Path.Combine(dir, "server.p12"), ca = Path.Combine(dir, "ca.pem");
            await File.WriteAllBytesAsync(p12, cert.Export(X509ContentType.Pkcs12, "pw"));
            await File.WriteAllTextAsync(ca, cert.ExportCertificatePem());
            var broker = SaslBroker(withSasl ? Security.SecurityProtocol.SaslSsl : Security.SecurityProtocol.Ssl, p12);
            var options = broker.ConfigureOptions!;
            broker = new BrokerFixture { ConfigureOptions = o => { options(o); o.Security.KeystorePassword = "pw"; }, ConfigureServices = broker.ConfigureServices };
            await broker.InitializeAsync();
            try
            {
                var config = new ClientConfig { SecurityProtocol = withSasl ? Confluent.Kafka.SecurityProtocol.SaslSsl : Confluent.Kafka.SecurityProtocol.Ssl, SslCaLocation = ca };
                if (withSasl)
                {
                    config.SaslMechanism = SaslMechanism.ScramSha256;
                    config.SaslUsername = "bob";
                    config.SaslPassword = "bob-secret";
                }
                await RoundTrip(broker, config, withSasl ? "tls-sasl" : "tls");
            }
            finally { await broker.DisposeAsync(); }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
