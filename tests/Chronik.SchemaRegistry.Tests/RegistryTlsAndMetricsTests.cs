using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Chronik.SchemaRegistry.Http;
using Confluent.SchemaRegistry;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>HTTPS on the registry port with the broker's keystore (Confluent's client trusting the test CA), and the per-route request metrics.</summary>
public sealed class RegistryTlsAndMetricsTests
{
    private const string Avro1 = """{"type":"record","name":"T","fields":[{"name":"id","type":"int"}]}""";

    [Fact]
    public async Task A_tls_broker_serves_the_registry_over_https_with_its_keystore()
    {
        string dir = Directory.CreateTempSubdirectory("chronik-sr-tls").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
            using X509Certificate2 cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            string p12 = Path.Combine(dir, "server.p12"), ca = Path.Combine(dir, "ca.pem");
            await File.WriteAllBytesAsync(p12, cert.Export(X509ContentType.Pkcs12, "pw"));
            await File.WriteAllTextAsync(ca, cert.ExportCertificatePem());
            await using RegistryServer server = await RegistryServer.StartAsync(o =>
            {
                o.Security.Protocol = Chronik.Broker.Security.SecurityProtocol.SaslSsl;
                o.Security.KeystoreLocation = p12;
                o.Security.KeystorePassword = "pw";
                o.Security.PlainUsers["alice"] = "alice-secret";
            });
            Assert.StartsWith("https://", server.Url, StringComparison.Ordinal);

            using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig
            {
                Url = server.Url,
                SslCaLocation = ca,
                BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo,
                BasicAuthUserInfo = "alice:alice-secret",
            });
            int id = await registry.RegisterSchemaAsync("t-value", new Schema(Avro1, SchemaType.Avro));
            Assert.Equal(Avro1, (await registry.GetSchemaAsync(id)).SchemaString);

            // A client that does not trust the CA is refused at the handshake; plain HTTP gets no answer from the TLS port.
            using var untrusting = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri(server.Url + "/subjects")));
            await Assert.ThrowsAnyAsync<Exception>(() => untrusting.GetAsync(new Uri($"http://127.0.0.1:{server.RegistryPort}/subjects")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task Requests_are_counted_per_route_template_method_and_status_class()
    {
        var seen = new List<(string Instrument, string Route, string Method, string Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == RegistryMetrics.MeterName) l.EnableMeasurementEvents(i); };
        void Record(Instrument i, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var t = new Dictionary<string, object?>(tags.ToArray());
            lock (seen) seen.Add((i.Name, (string)t["route"]!, (string)t["method"]!, (string)t["status"]!));
        }
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        listener.Start();

        await using RegistryServer server = await RegistryServer.StartAsync();
        using var rest = new RestClient(server.Url);
        int id = await rest.RegisterAsync("m-value", Avro1);
        Assert.Equal(HttpStatusCode.OK, (await rest.GetAsync($"/schemas/ids/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rest.GetAsync("/schemas/ids/4242")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rest.GetAsync("/no/such/path")).Status);

        lock (seen)
        {
            Assert.Contains(("chronik.schema_registry.requests", "/subjects/{subject}/versions", "POST", "2xx"), seen);
            Assert.Contains(("chronik.schema_registry.requests", "/schemas/ids/{id}", "GET", "2xx"), seen);
            Assert.Contains(("chronik.schema_registry.requests", "/schemas/ids/{id}", "GET", "4xx"), seen);
            Assert.Contains(("chronik.schema_registry.requests", "other", "GET", "4xx"), seen);
            Assert.Contains(("chronik.schema_registry.request.duration", "/schemas/ids/{id}", "GET", "2xx"), seen);
            // Subjects and ids never become label values.
            Assert.DoesNotContain(seen, s => s.Route.Contains("m-value", StringComparison.Ordinal) || s.Route.Contains("4242", StringComparison.Ordinal));
        }
    }
}
