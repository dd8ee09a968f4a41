using System.Globalization;
using Chronik.Broker;
using Chronik.Broker.Configuration;
using Chronik.Broker.Security;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Embedded;

/// <summary>Turns <see cref="EmbeddedBrokerOptions"/> into the broker's options, through the server's own server.properties table.</summary>
internal static class EmbeddedConfiguration
{
    private const string Loopback = "127.0.0.1";
    private const string PropertiesSource = nameof(EmbeddedBrokerOptions) + "." + nameof(EmbeddedBrokerOptions.Properties);

    public static BrokerOptions ToBrokerOptions(EmbeddedBrokerOptions embedded, int port)
    {
        var options = new BrokerOptions
        {
            NodeId = embedded.NodeId,
            BindAddress = Loopback,
            KafkaPort = port,
            AdvertisedHost = Loopback,
            // In memory nothing is written here; handlers that describe the log directory still name one.
            DataDir = embedded.DataDirectory ?? Path.Combine(Path.GetTempPath(), "chronik-embedded-in-memory"),
            NumPartitions = embedded.DefaultPartitions,
            AutoCreateTopicsEnable = embedded.AutoCreateTopics,
            IoThreads = 1,
        };
        if (embedded.FlushPolicy == EmbeddedFlushPolicy.Relaxed)
        {
            // Kafka's default: no fsync before the acknowledgement; the OS flushes (and the log does so once a second).
            options.LogFlushIntervalMs = 1000;
        }
        if (embedded.SaslUsers.Count > 0)
        {
            options.Security.Protocol = SecurityProtocol.SaslPlaintext;
            options.Security.SaslEnabledMechanisms.Clear();
            options.Security.SaslEnabledMechanisms.Add(SaslMechanisms.Plain);
            foreach ((string user, string password) in embedded.SaslUsers)
            {
                options.Security.PlainUsers[user] = password;
            }
        }
        if (embedded.Acls.Count > 0 || embedded.EnableAuthorizer)
        {
            options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        }
        if (embedded.SuperUsers.Count > 0)
        {
            options.SuperUsers = string.Join(';', embedded.SuperUsers);
        }
        ApplyProperties(options, embedded.Properties);
        // The listener stays on loopback at the chosen port whatever the properties say.
        options.BindAddress = Loopback;
        options.KafkaPort = port;
        options.AdvertisedHost = Loopback;
        options.AdvertisedPort = null;
        options.RawConfig[BrokerConfigKeys.Listeners.Name] = $"{ListenerSecurityOptions.ProtocolName(options.Security.Protocol)}://{Loopback}:{port.ToString(CultureInfo.InvariantCulture)}";
        return options;
    }

    private static void ApplyProperties(BrokerOptions options, IDictionary<string, string> properties)
    {
        if (properties.Count == 0)
        {
            return;
        }
        ServerConfig config = ServerConfigLoader.LoadProperties(options, properties, PropertiesSource);
        if (!config.IsValid)
        {
            throw new EmbeddedBrokerException(string.Join("; ", config.Errors));
        }
        // An unknown key is a mistake in a test's own code: say so rather than log and ignore it.
        string[] unknown = config.Warnings.Where(w => w.Contains("unknown or unsupported key", StringComparison.Ordinal)).ToArray();
        if (unknown.Length > 0)
        {
            throw new EmbeddedBrokerException(string.Join("; ", unknown));
        }
    }
}
