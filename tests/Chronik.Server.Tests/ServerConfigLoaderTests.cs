using Chronik.Broker.Configuration;
using Microsoft.Extensions.Logging;

namespace Chronik.Server.Tests;

/// <summary>Flags, server.properties, their precedence, and the errors and warnings the loader reports.</summary>
public sealed class ServerConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void No_arguments_gives_the_defaults()
    {
        ServerConfig config = ServerConfigLoader.Load([]);

        Assert.True(config.IsValid);
        Assert.False(config.HelpRequested);
        Assert.Equal(9092, config.Options.KafkaPort);
        Assert.Equal(9093, config.Options.MetricsPort);
        Assert.Equal("0.0.0.0", config.Options.BindAddress);
        Assert.Equal(System.Net.Dns.GetHostName(), config.Options.AdvertisedHost);
        Assert.Equal("./data", config.Options.DataDir);
        Assert.Equal(1, config.Options.NodeId);
        Assert.Equal(LogLevel.Information, config.LogLevel);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void Flags_accept_separate_and_equals_values()
    {
        ServerConfig config = ServerConfigLoader.Load(
        [
            "--kafka-port", "19092", "--metrics-port=19093", "--bind", "10.1.2.3", "--advertised-host=kafka.example",
            "--advertised-port", "29092", "--data-dir=/var/chronik", "--node-id", "7", "--wal-buffer-size", "65536",
            "--max-connections=50", "--io-threads", "3", "--log-level", "DEBUG",
        ]);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        var o = config.Options;
        Assert.Equal((19092, 19093, "10.1.2.3"), (o.KafkaPort, o.MetricsPort, o.BindAddress));
        Assert.Equal(("kafka.example", 29092), (o.AdvertisedHost, o.EffectiveAdvertisedPort));
        Assert.Equal(("/var/chronik", 7, 65536, 50, 3), (o.DataDir, o.NodeId, o.WalBufferSize, o.MaxConnections, o.IoThreads));
        Assert.Equal(LogLevel.Debug, config.LogLevel);
        Assert.Equal("PLAINTEXT://10.1.2.3:19092", o.RawConfig["listeners"]);
        Assert.Equal("PLAINTEXT://kafka.example:29092", o.RawConfig["advertised.listeners"]);
        Assert.Equal("7", o.RawConfig["node.id"]);
    }

    [Fact]
    public void A_concrete_bind_address_is_advertised_unless_a_host_is_given()
    {
        Assert.Equal("127.0.0.1", ServerConfigLoader.Load(["--bind", "127.0.0.1"]).Options.AdvertisedHost);
        Assert.Equal("h", ServerConfigLoader.Load(["--advertised-host", "h", "--bind", "127.0.0.1"]).Options.AdvertisedHost);
    }

    [Fact]
    public void Config_file_sets_every_supported_key_and_raw_config()
    {
        string path = WriteProperties(
            """
            # a comment
            ! another comment

              log.dirs = /data/a, /data/b
            num.partitions=6
            default.replication.factor=1
            auto.create.topics.enable=FALSE
            log.segment.bytes=1048576
            log.roll.hours=2
            log.retention.hours=24
            log.retention.bytes=1000000
            log.retention.check.interval.ms=1000
            message.max.bytes=2000000
            log.flush.interval.messages=10
            log.flush.interval.ms=500
            log.message.timestamp.type=LogAppendTime
            listeners=PLAINTEXT://:19092
            advertised.listeners=PLAINTEXT://broker.example:29092
            node.id=4
            socket.request.max.bytes=5000
            group.initial.rebalance.delay.ms=0
            offsets.retention.minutes=60
            transaction.max.timeout.ms=60000
            max.connections=20
            num.io.threads=8
            """);

        ServerConfig config = ServerConfigLoader.Load(["--config", path]);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        Assert.Empty(config.Warnings);
        var o = config.Options;
        Assert.Equal("/data/a", o.DataDir);
        Assert.Equal((6, (short)1, false), (o.NumPartitions, o.DefaultReplicationFactor, o.AutoCreateTopicsEnable));
        Assert.Equal((1048576L, 2 * 3_600_000L), (o.LogSegmentBytes, o.LogRollMs));
        Assert.Equal((24 * 3_600_000L, 1_000_000L, 1000L), (o.LogRetentionMs, o.LogRetentionBytes, o.LogRetentionCheckIntervalMs));
        Assert.Equal((2_000_000, 10L, 500L), (o.MessageMaxBytes, o.LogFlushIntervalMessages, o.LogFlushIntervalMs));
        Assert.Equal("LogAppendTime", o.LogMessageTimestampType);
        Assert.Equal(("0.0.0.0", 19092), (o.BindAddress, o.KafkaPort));
        Assert.Equal(("broker.example", 29092), (o.AdvertisedHost, o.EffectiveAdvertisedPort));
        Assert.Equal((4, 5000, 0, 60, 60000), (o.NodeId, o.SocketRequestMaxBytes, o.GroupInitialRebalanceDelayMs, o.OffsetsRetentionMinutes, o.TransactionMaxTimeoutMs));
        Assert.Equal((20, 8), (o.MaxConnections, o.IoThreads));
        Assert.Equal("/data/a, /data/b", o.RawConfig["log.dirs"]);
        Assert.Equal("6", o.RawConfig["num.partitions"]);
        Assert.Equal(22, o.RawConfig.Count);
    }

    [Fact]
    public void Flags_win_over_the_file_wherever_they_appear()
    {
        string path = WriteProperties("listeners=PLAINTEXT://10.0.0.1:9000\nnode.id=3\nlog.dirs=/from/file\nnum.io.threads=2");

        ServerConfig config = ServerConfigLoader.Load(["--kafka-port", "9100", "--config", path, "--node-id=5", "--data-dir", "/from/flag"]);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        Assert.Equal(("10.0.0.1", 9100, 5, "/from/flag", 2), (config.Options.BindAddress, config.Options.KafkaPort, config.Options.NodeId, config.Options.DataDir, config.Options.IoThreads));
        Assert.Equal("PLAINTEXT://10.0.0.1:9100", config.Options.RawConfig["listeners"]);
        Assert.Equal("5", config.Options.RawConfig["node.id"]);
        Assert.Equal("/from/flag", config.Options.RawConfig["log.dirs"]);
    }

    [Fact]
    public void More_specific_keys_win_regardless_of_line_order()
    {
        string path = WriteProperties("log.retention.ms=1234\nlog.retention.hours=1\nlog.roll.ms=99\nlog.roll.hours=5\nlog.dirs=/a\nlog.dir=/b");

        var o = ServerConfigLoader.Load(["--config", path]).Options;

        Assert.Equal((1234L, 99L, "/a"), (o.LogRetentionMs, o.LogRollMs, o.DataDir));
    }

    [Fact]
    public void Retention_minus_one_means_forever_in_every_unit()
    {
        Assert.Equal(-1, ServerConfigLoader.Load(["--config", WriteProperties("log.retention.hours=-1")]).Options.LogRetentionMs);
        Assert.Equal(-1, ServerConfigLoader.Load(["--config", WriteProperties("log.retention.minutes=-1")]).Options.LogRetentionMs);
    }

    [Fact]
    public void Unknown_key_is_a_warning_and_is_kept_in_raw_config()
    {
        string path = WriteProperties("zookeeper.connect=localhost:2181\nnum.partitions=3");

        ServerConfig config = ServerConfigLoader.Load(["--config", path]);

        Assert.True(config.IsValid);
        Assert.Contains(config.Warnings, w => w.Contains("'zookeeper.connect'", StringComparison.Ordinal) && w.Contains("line 1", StringComparison.Ordinal));
        Assert.Equal("localhost:2181", config.Options.RawConfig["zookeeper.connect"]);
        Assert.Equal(3, config.Options.NumPartitions);
    }

    [Theory]
    [InlineData("num.partitions", "abc")]
    [InlineData("num.partitions", "0")]
    [InlineData("message.max.bytes", "99999999999")]
    [InlineData("default.replication.factor", "40000")]
    [InlineData("auto.create.topics.enable", "yes")]
    [InlineData("log.message.timestamp.type", "WallClock")]
    [InlineData("listeners", "localhost:9092")]
    [InlineData("listeners", "FOO://:9093")]
    [InlineData("sasl.enabled.mechanisms", "GSSAPI")]
    [InlineData("ssl.client.auth", "sometimes")]
    [InlineData("listeners", "PLAINTEXT://:70000")]
    [InlineData("node.id", "-5")]
    [InlineData("log.retention.hours", "-2")]
    [InlineData("log.retention.hours", "999999999999999999")]
    [InlineData("super.users", "User:admin;bob")]
    [InlineData("allow.everyone.if.no.acl.found", "maybe")]
    [InlineData("max.broker.partitions", "0")]
    [InlineData("max.partitions.per.request", "-1")]
    public void Bad_value_is_an_error_naming_key_and_value(string key, string value)
    {
        ServerConfig config = ServerConfigLoader.Load(["--config", WriteProperties($"{key}={value}")]);

        string error = Assert.Single(config.Errors);
        Assert.Contains($"'{key}'", error, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorizer_settings_are_read_from_server_properties()
    {
        var o = ServerConfigLoader.Load([]).Options;
        Assert.Equal(("", false, ""), (o.AuthorizerClassName, o.AllowEveryoneIfNoAclFound, o.SuperUsers));

        ServerConfig config = ServerConfigLoader.Load(["--config", WriteProperties("""
            authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
            allow.everyone.if.no.acl.found=true
            super.users=User:admin;User:ops
            """)]);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        o = config.Options;
        Assert.Equal(("org.apache.kafka.metadata.authorizer.StandardAuthorizer", true, "User:admin;User:ops"),
            (o.AuthorizerClassName, o.AllowEveryoneIfNoAclFound, o.SuperUsers));
    }

    [Fact]
    public void Partition_limits_default_to_room_for_100k_partitions_and_are_read_from_server_properties()
    {
        var o = ServerConfigLoader.Load([]).Options;
        Assert.Equal((10_000, 200_000), (o.MaxPartitionsPerRequest, o.MaxBrokerPartitions));

        ServerConfig config = ServerConfigLoader.Load(["--config", WriteProperties("max.partitions.per.request=500\nmax.broker.partitions=4000")]);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        Assert.Empty(config.Warnings);
        Assert.Equal((500, 4000), (config.Options.MaxPartitionsPerRequest, config.Options.MaxBrokerPartitions));
        Assert.Equal("4000", config.Options.RawConfig["max.broker.partitions"]);
    }

    [Theory]
    [InlineData("--kafka-port", "0")]
    [InlineData("--io-threads", "many")]
    [InlineData("--log-level", "verbose")]
    [InlineData("--wal-buffer-size", "100")]
    public void Bad_flag_value_is_an_error_naming_flag_and_value(string flag, string value)
    {
        string error = Assert.Single(ServerConfigLoader.Load([flag, value]).Errors);

        Assert.Contains(flag, error, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_flag_missing_value_and_stray_argument_are_errors()
    {
        ServerConfig config = ServerConfigLoader.Load(["--nope", "1", "--data-dir", "--node-id"]);

        Assert.Equal(4, config.Errors.Count);
        Assert.Contains(config.Errors, e => e.Contains("'--nope'", StringComparison.Ordinal));
        Assert.Contains(config.Errors, e => e.Contains("'1'", StringComparison.Ordinal));
        Assert.Contains(config.Errors, e => e.Contains("--data-dir needs a value", StringComparison.Ordinal));
        Assert.Contains(config.Errors, e => e.Contains("--node-id needs a value", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_config_file_and_malformed_line_are_errors()
    {
        Assert.Contains("cannot read config file", Assert.Single(ServerConfigLoader.Load(["--config", Path.Combine(_dir, "none")]).Errors), StringComparison.Ordinal);
        Assert.Contains("line 2", Assert.Single(ServerConfigLoader.Load(["--config", WriteProperties("num.partitions=2\njunk")]).Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Broker_id_and_node_id_must_agree()
    {
        Assert.True(ServerConfigLoader.Load(["--config", WriteProperties("broker.id=2\nnode.id=2")]).IsValid);
        Assert.Contains("must match", Assert.Single(ServerConfigLoader.Load(["--config", WriteProperties("broker.id=2\nnode.id=3")]).Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_wins_over_everything_else()
    {
        Assert.True(ServerConfigLoader.Load(["--node-id", "x", "-h"]).HelpRequested);
        Assert.True(ServerConfigLoader.Load(["--help"]).HelpRequested);
    }

    [Fact]
    public void Help_lists_every_flag_and_key()
    {
        string help = ServerHelp.Render();

        foreach (ServerFlag flag in ServerFlags.All)
        {
            Assert.Contains(flag.Name, help, StringComparison.Ordinal);
        }
        foreach (ServerProperty property in ServerProperties.All)
        {
            Assert.Contains(property.Key, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sasl_listener_with_plain_users_and_mechanisms()
    {
        string path = WriteProperties(
            "listener.security.protocol.map=CLIENT:SASL_PLAINTEXT\n" +
            "listeners=CLIENT://127.0.0.1:9095\n" +
            "advertised.listeners=CLIENT://broker.example:19095\n" +
            "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512\n" +
            "listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required " +
            "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";\n");

        ServerConfig config = ServerConfigLoader.Load(["--config", path]);

        Assert.True(config.IsValid, string.Join("; ", config.Errors));
        Assert.Empty(config.Warnings);
        var security = config.Options.Security;
        Assert.Equal(Chronik.Broker.Security.SecurityProtocol.SaslPlaintext, security.Protocol);
        Assert.Equal(9095, config.Options.KafkaPort);
        Assert.Equal(("broker.example", 19095), (config.Options.AdvertisedHost, config.Options.EffectiveAdvertisedPort));
        Assert.Equal(["PLAIN", "SCRAM-SHA-512"], security.SaslEnabledMechanisms);
        Assert.Equal("alice-secret", security.PlainUsers["alice"]);
        Assert.Equal("admin-secret", security.PlainUsers["admin"]);
    }

    [Fact]
    public void Ssl_listener_needs_a_keystore()
    {
        ServerConfig config = ServerConfigLoader.Load(["--config", WriteProperties("listeners=SSL://:9093")]);

        Assert.Contains("ssl.keystore.location", Assert.Single(config.Errors), StringComparison.Ordinal);
    }

    private string WriteProperties(string text)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.properties");
        File.WriteAllText(path, text);
        return path;
    }
}
