using Chronik.Broker.Configuration;
using Chronik.Server.Hosting;

namespace Chronik.Server.Tests.Cluster;

/// <summary>The cluster-mode flags and keys: parsed into the options, flags win, and checked together before anything opens.</summary>
public sealed class ClusterConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-cluster-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Keys_and_flags_set_the_cluster_options_and_the_defaults_are_kafkas()
    {
        var defaults = ServerConfigLoader.Load([]).Options;
        Assert.Equal((null, null, null, 9000, 2000), (defaults.MetadataUrl, defaults.ObjectStoreUrl, defaults.BrokerRack, defaults.BrokerSessionTimeoutMs, defaults.BrokerHeartbeatIntervalMs));
        Assert.Equal((50, 8L * 1024 * 1024), (defaults.ProduceCommitIntervalMs, defaults.ProduceBufferMaxBytes));
        Assert.Empty(ClusterNode.Validate(defaults));

        string file = Path.Combine(_dir, "server.properties");
        File.WriteAllText(file, "node.id=7\nmetadata.url=postgresql://a@h/file\nobject.store.url=file:///srv/objects\nbroker.rack=r2\n" +
            "broker.session.timeout.ms=4000\nbroker.heartbeat.interval.ms=400\nproduce.commit.interval.ms=20\nproduce.buffer.max.bytes=1048576\n");
        var fromFile = ServerConfigLoader.Load(["--config", file]);
        Assert.True(fromFile.IsValid, string.Join("; ", fromFile.Errors));
        var o = fromFile.Options;
        Assert.Equal((7, "postgresql://a@h/file", "file:///srv/objects", "r2", 4000, 400),
            (o.NodeId, o.MetadataUrl, o.ObjectStoreUrl, o.BrokerRack, o.BrokerSessionTimeoutMs, o.BrokerHeartbeatIntervalMs));
        Assert.Equal((20, 1048576L), (o.ProduceCommitIntervalMs, o.ProduceBufferMaxBytes));
        Assert.Empty(ClusterNode.Validate(o));

        var flags = ServerConfigLoader.Load(["--config", file, "--node-id", "8", "--metadata-url=postgresql://b@h/flag", "--object-store", "s3://bucket-1?region=eu-west-1"]).Options;
        Assert.Equal((8, "postgresql://b@h/flag", "s3://bucket-1?region=eu-west-1"), (flags.NodeId, flags.MetadataUrl, flags.ObjectStoreUrl));
        Assert.Empty(ClusterNode.Validate(flags));
    }

    [Fact]
    public void The_heartbeat_must_be_shorter_than_the_session()
    {
        var o = ServerConfigLoader.Load(["--metadata-url", "postgresql://a@h/db", "--object-store", "file:///srv/x"]).Options;
        o.BrokerHeartbeatIntervalMs = 9000;
        Assert.Contains("broker.heartbeat.interval.ms (9000) must be less than broker.session.timeout.ms (9000)", Assert.Single(ClusterNode.Validate(o)), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_cluster_flags()
    {
        string help = ServerHelp.Render();
        Assert.Contains("--metadata-url URL", help, StringComparison.Ordinal);
        Assert.Contains("--object-store URL", help, StringComparison.Ordinal);
        Assert.Contains("broker.session.timeout.ms", help, StringComparison.Ordinal);
    }
}
