using System.Globalization;
using K = Chronik.Coordination.Configs.Catalog.BrokerConfigKeys;

namespace Chronik.Broker.Configuration;

/// <summary>The command-line flags; each wins over the server.properties key it mirrors.</summary>
public static class ServerFlags
{
    public const string Config = "--config";
    public const string Help = "--help";
    public const string ShortHelp = "-h";

    public static IReadOnlyList<ServerFlag> All { get; } =
    [
        new("--kafka-port", "PORT", s => Text(s.Options.KafkaPort), "Kafka protocol port (of the first listener in listeners).",
            (s, v) => s.Options.KafkaPort = ConfigValues.Port(v), K.Listeners),
        new("--metrics-port", "PORT", s => Text(s.Options.MetricsPort), "HTTP port for /metrics and /health.",
            (s, v) => s.Options.MetricsPort = ConfigValues.Port(v)),
        new("--schema-registry-port", "PORT", s => Text(s.Options.SchemaRegistryPort), "HTTP port of the built-in Schema Registry (0: a free port).",
            (s, v) => s.Options.SchemaRegistryPort = ConfigValues.Int(v, K.SchemaRegistryPort), K.SchemaRegistryPort),
        new("--bind", "ADDRESS", s => s.Options.BindAddress, "Address the first Kafka listener and the metrics listener bind to.",
            (s, v) => s.Options.BindAddress = ConfigValues.NonEmpty(v), K.Listeners),
        new("--advertised-host", "HOST", _ => "the bind address if concrete, else this machine's host name",
            "Host the clients of the first listener are told to connect to.",
            (s, v) =>
            {
                s.Options.AdvertisedHost = ConfigValues.NonEmpty(v);
                s.AdvertisedHostSet = true;
            }, K.AdvertisedListeners),
        new("--advertised-port", "PORT", _ => "the Kafka port", "Port the clients of the first listener are told to connect to.",
            (s, v) => s.Options.AdvertisedPort = ConfigValues.Port(v), K.AdvertisedListeners),
        new("--data-dir", "DIR", s => s.Options.DataDir, "Directory holding the partition logs.",
            (s, v) => s.Options.DataDir = ConfigValues.NonEmpty(v), K.LogDirs),
        new("--node-id", "ID", s => Text(s.Options.NodeId), "This broker's id.",
            (s, v) => s.Options.NodeId = ConfigValues.Int(v, K.NodeId), K.NodeId),
        new("--metadata-url", "URL", _ => "none (a single-node broker)",
            "postgresql://USER@HOST:PORT/DB: join the cluster whose metadata and membership live in this PostgreSQL database.",
            (s, v) => s.Options.MetadataUrl = ConfigValues.NonEmpty(v), K.MetadataUrl),
        new("--object-store", "URL", _ => "none", "file:///PATH or s3://BUCKET?endpoint=...: the cluster's object store (with --metadata-url).",
            (s, v) => s.Options.ObjectStoreUrl = ConfigValues.NonEmpty(v), K.ObjectStoreUrl),
        new("--wal-buffer-size", "BYTES", s => Text(s.Options.WalBufferSize), "Accepted for compatibility with the Rust seed; has no effect: appends are written straight from the request buffer, so there is no separate WAL buffer to size.",
            (s, v) => s.Options.WalBufferSize = ConfigValues.Int(v, 4096)),
        new("--max-connections", "N", s => Text(s.Options.MaxConnections), "Refuse connections past this count.",
            (s, v) => s.Options.MaxConnections = ConfigValues.Int(v, K.MaxConnections), K.MaxConnections),
        new("--io-threads", "N", s => Text(s.Options.IoThreads), "Socket I/O queues (Kestrel IOQueueCount; default: processor count). Handlers run on the thread pool.",
            (s, v) => s.Options.IoThreads = ConfigValues.Int(v, K.NumIoThreads), K.NumIoThreads),
        new("--log-level", "LEVEL", s => s.LogLevel.ToString().ToLowerInvariant(),
            "trace, debug, information, warning or error.",
            (s, v) => s.LogLevel = ConfigValues.Level(v)),
        new(Config, "FILE", _ => "none", "Kafka-style server.properties file; flags win over it.", (_, _) => { }),
    ];

    private static readonly Dictionary<string, ServerFlag> s_byName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static ServerFlag? Find(string name) => s_byName.GetValueOrDefault(name);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
