using Chronik.Coordination.Acls;
using Microsoft.Extensions.Logging;

namespace Chronik.Embedded;

/// <summary>When the broker fsyncs what it acknowledges.</summary>
public enum EmbeddedFlushPolicy
{
    /// <summary>fsync before every acknowledgement: Chronik's default, the one that survives <c>kill -9</c> and power loss.</summary>
    Durable,

    /// <summary>Kafka's default: acknowledge once the write is in the page cache and let the OS flush (fastest on a data directory).</summary>
    Relaxed,
}

/// <summary>How an <see cref="EmbeddedBroker"/> is started. Every property has a default that suits a unit test.</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Where the logs and metadata live; null (the default) keeps everything in memory, gone at stop.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The 127.0.0.1 port to listen on; null or 0 (the default) picks a free one.</summary>
    public int? Port { get; init; }

    /// <summary>Partitions of a topic created without a count, auto-created ones included (num.partitions).</summary>
    public int DefaultPartitions { get; init; } = 1;

    /// <summary>Create a topic when a client produces to or asks for an unknown one (auto.create.topics.enable).</summary>
    public bool AutoCreateTopics { get; init; } = true;

    /// <summary>When writes are fsynced; <see cref="EmbeddedFlushPolicy.Durable"/> by default, as the server.</summary>
    public EmbeddedFlushPolicy FlushPolicy { get; init; } = EmbeddedFlushPolicy.Durable;

    /// <summary>SASL/PLAIN users (name → password). Any user turns the listener into SASL_PLAINTEXT.</summary>
    public IDictionary<string, string> SaslUsers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>ACLs created at start. Any ACL (or <see cref="EnableAuthorizer"/>) turns ACL checks on.</summary>
    public IList<AclBinding> Acls { get; init; } = [];

    /// <summary>Turns ACL checks on even with no ACL given (Kafka's StandardAuthorizer: deny unless allowed).</summary>
    public bool EnableAuthorizer { get; init; }

    /// <summary>Principals (<c>User:name</c>) that pass every ACL check (super.users).</summary>
    public IList<string> SuperUsers { get; init; } = [];

    /// <summary>Any server.properties key the server understands (<c>chronik-server --help</c> lists them); applied after the options above, so a key here wins.</summary>
    public IDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Where the broker logs: a test's logger factory, say; null (the default) logs nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The least severe level passed to <see cref="LoggerFactory"/>.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>This broker's node id (node.id).</summary>
    public int NodeId { get; init; } = 1;
}
