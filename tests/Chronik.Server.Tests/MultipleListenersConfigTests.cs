using Chronik.Broker.Configuration;
using Chronik.Broker.Security;

namespace Chronik.Server.Tests;

/// <summary>Several Kafka listeners from server.properties: addresses, advertised addresses and per-listener security.</summary>
public sealed class MultipleListenersConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-listeners-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Keystore()
    {
        string path = Path.Combine(_dir, "broker.p12");
        File.WriteAllBytes(path, [0]);
        return path;
    }

    private ServerConfig Load(string properties, params string[] flags)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.properties");
        File.WriteAllText(path, properties);
        return ServerConfigLoader.Load(["--config", path, .. flags]);
    }

    [Fact]
    public void Each_listener_gets_its_address_advertised_address_and_own_security()
    {
        ServerConfig config = Load($"""
            listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CLIENT:SASL_SSL
            listeners=PLAINTEXT://127.0.0.1:9092,CLIENT://:9094
            advertised.listeners=PLAINTEXT://127.0.0.1:9092,CLIENT://broker.example:19094
            sasl.enabled.mechanisms=PLAIN
            connections.max.reauth.ms=60000
            listener.name.client.ssl.keystore.location={Keystore()}
            listener.name.client.ssl.keystore.password=pw
            listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-256,PLAIN
            listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";
            """);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        Assert.Empty(config.Warnings);
        var o = config.Options;
        var listeners = o.Listeners;
        Assert.Equal(["PLAINTEXT", "CLIENT"], listeners.Select(l => l.Name));
        Assert.Equal(("127.0.0.1", 9092, "127.0.0.1", 9092), (o.BindAddress, o.KafkaPort, o.AdvertisedHost, o.EffectiveAdvertisedPort));
        Assert.Equal(SecurityProtocol.Plaintext, o.Security.Protocol);
        Assert.Empty(o.Security.PlainUsers);
        Assert.Null(o.Security.KeystoreLocation);

        var client = listeners[1];
        Assert.Equal(("0.0.0.0", 9094, "broker.example", 19094), (client.BindAddress, client.Port, client.AdvertisedHost, client.EffectiveAdvertisedPort));
        Assert.Equal(SecurityProtocol.SaslSsl, client.Security.Protocol);
        Assert.Equal(["SCRAM-SHA-256", "PLAIN"], client.Security.SaslEnabledMechanisms);
        Assert.Equal(("pw", 60000L), (client.Security.KeystorePassword, client.Security.ConnectionsMaxReauthMs));
        Assert.Equal("alice-secret", client.Security.PlainUsers["alice"]);
    }

    [Fact]
    public void Broker_wide_security_keys_apply_to_every_listener_and_the_flags_only_to_the_first()
    {
        string keystore = Keystore();
        ServerConfig config = Load($"""
            listeners=SASL_PLAINTEXT://127.0.0.1:9092,SSL://10.0.0.5:9093,SASL_SSL://:9094
            advertised.listeners=SASL_SSL://public.example:9094
            ssl.keystore.location={keystore}
            sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";
            """, "--kafka-port", "9100", "--advertised-host", "inside.example");

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        var listeners = config.Options.Listeners;
        Assert.Equal(3, listeners.Count);
        Assert.Equal(("127.0.0.1", 9100, "inside.example"), (listeners[0].BindAddress, listeners[0].Port, listeners[0].AdvertisedHost));
        Assert.Equal(("10.0.0.5", 9093, "10.0.0.5", 9093), (listeners[1].BindAddress, listeners[1].Port, listeners[1].AdvertisedHost, listeners[1].EffectiveAdvertisedPort));
        Assert.Equal(("public.example", 9094), (listeners[2].AdvertisedHost, listeners[2].EffectiveAdvertisedPort));
        Assert.All(listeners, l => Assert.Equal("bob-secret", l.Security.PlainUsers["bob"]));
        Assert.All(listeners.Skip(1), l => Assert.Equal(keystore, l.Security.KeystoreLocation));
        Assert.Equal([SecurityProtocol.SaslPlaintext, SecurityProtocol.Ssl, SecurityProtocol.SaslSsl], listeners.Select(l => l.Security.Protocol));
        Assert.Equal("SASL_PLAINTEXT://127.0.0.1:9100,SSL://10.0.0.5:9093,SASL_SSL://0.0.0.0:9094", config.Options.RawConfig["listeners"]);
    }

    [Fact]
    public void Listeners_without_a_protocol_and_keys_for_unknown_listeners_are_warnings()
    {
        ServerConfig config = Load("""
            listeners=PLAINTEXT://:9092,CONTROLLER://:9093
            advertised.listeners=PLAINTEXT://h:9092,OTHER://h:9999
            listener.name.other.ssl.keystore.location=/nowhere
            """);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        Assert.Single(config.Options.Listeners);
        Assert.Contains(config.Warnings, w => w.Contains("CONTROLLER://:9093", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("OTHER://h:9999", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("'listener.name.other.ssl.keystore.location'", StringComparison.Ordinal));
    }

    [Fact]
    public void DescribeConfigs_reports_every_listener_and_its_advertised_address()
    {
        var options = new Chronik.Broker.BrokerOptions { BindAddress = "127.0.0.1", KafkaPort = 9092, AdvertisedHost = "127.0.0.1" };
        options.AdditionalListeners.Add(new Chronik.Broker.BrokerListener
        {
            Name = "SASL_SSL", BindAddress = "0.0.0.0", Port = 9094, AdvertisedHost = "broker.example", Security = options.Security.CopyAs(SecurityProtocol.SaslSsl),
        });

        var configs = Chronik.Broker.Services.ConfigDescriber.DescribeBroker(options).ToDictionary(c => c.Name);

        Assert.Equal("PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9094", configs["listeners"].Value);
        Assert.Equal("PLAINTEXT://127.0.0.1:9092,SASL_SSL://broker.example:9094", configs["advertised.listeners"].Value);
    }

    [Fact]
    public void Controller_listeners_of_a_kraft_config_are_not_served()
    {
        ServerConfig kraft = Load("""
            process.roles=broker,controller
            controller.listener.names=CONTROLLER
            listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
            listeners=PLAINTEXT://:9092,CONTROLLER://:9093
            """);
        ServerConfig renamed = Load("""
            controller.listener.names=CTL
            listener.security.protocol.map=CTL:PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:SSL
            listeners=PLAINTEXT://:9092,CTL://:9093,CONTROLLER://:9094
            ssl.keystore.location=KEYSTORE
            """.Replace("KEYSTORE", Keystore(), StringComparison.Ordinal));

        Assert.True(kraft.IsValid, string.Join("; ", kraft.Errors));
        Assert.Equal(["PLAINTEXT"], kraft.Options.Listeners.Select(l => l.Name));
        Assert.Contains(kraft.Warnings, w => w.Contains("CONTROLLER://:9093", StringComparison.Ordinal));
        Assert.True(renamed.IsValid, string.Join("; ", renamed.Errors));
        Assert.Equal(["PLAINTEXT", "CONTROLLER"], renamed.Options.Listeners.Select(l => l.Name));
    }

    [Theory]
    [InlineData("listeners=PLAINTEXT://:9092,SSL://:9092\nssl.keystore.location=KEYSTORE", "each listener needs its own port (9092 is used by PLAINTEXT and SSL)")]
    [InlineData("listeners=PLAINTEXT://:9092,PLAINTEXT://:9093", "PLAINTEXT appears twice")]
    [InlineData("listeners=PLAINTEXT://:9092,SSL://:9093", "'listener.name.ssl.ssl.keystore.location'")]
    [InlineData("listeners=PLAINTEXT://:9092,SASL_PLAINTEXT://:9093\nlistener.name.sasl_plaintext.sasl.enabled.mechanisms=GSSAPI", "GSSAPI is not supported")]
    public void Listener_problems_are_errors(string properties, string expected)
    {
        ServerConfig config = Load(properties.Replace("KEYSTORE", Keystore(), StringComparison.Ordinal));

        Assert.Contains(expected, Assert.Single(config.Errors), StringComparison.Ordinal);
    }
}
