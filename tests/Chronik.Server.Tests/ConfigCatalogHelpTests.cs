using Chronik.Broker.Configuration;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Server.Tests;

/// <summary>server.properties and <c>--help</c> cover exactly the catalog's broker keys, checked by their definitions.</summary>
public sealed class ConfigCatalogHelpTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chronik-catalog-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private ServerConfig LoadFile(string text)
    {
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, "server.properties");
        File.WriteAllText(path, text);
        return ServerConfigLoader.Load(["--config", path]);
    }

    [Fact]
    public void Help_lists_exactly_the_catalogs_broker_keys_in_order()
    {
        string[] lines = ServerHelp.Render().ReplaceLineEndings("\n").Split('\n');
        int start = Array.FindIndex(lines, l => l.StartsWith("server.properties keys", StringComparison.Ordinal)) + 1;
        var keys = lines.Skip(start).TakeWhile(l => l.Length > 0).Select(l => l.Trim().Split(' ')[0]).ToList();

        Assert.Equal(BrokerConfigKeys.All.Select(k => k.Name), keys);
        foreach (var key in BrokerConfigKeys.All)
        {
            Assert.Contains(lines, l => l.TrimStart().StartsWith(key.Name + " ", StringComparison.Ordinal) && l.Contains(key.Documentation, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Server_properties_know_exactly_the_catalogs_broker_keys()
    {
        Assert.Equal(BrokerConfigKeys.All.Select(k => k.Name), ServerProperties.All.Select(p => p.Key));
        Assert.All(ServerProperties.All, p => Assert.Same(ConfigCatalog.Broker(p.Key), p.Def));
    }

    [Fact]
    public void A_key_only_the_catalog_reads_is_checked_and_kept_not_called_unknown()
    {
        var good = LoadFile("log.cleanup.policy=compact\nmin.insync.replicas=1\nlog.cleaner.min.cleanable.ratio=0.25\n");
        Assert.True(good.IsValid, string.Join("; ", good.Errors));
        Assert.Empty(good.Warnings);
        Assert.Equal("compact", good.Options.RawConfig["log.cleanup.policy"]);

        var bad = LoadFile("log.cleanup.policy=bogus\nlog.cleaner.min.cleanable.ratio=2\n");
        Assert.Equal(2, bad.Errors.Count);
        Assert.Contains(bad.Errors, e => e.Contains("'log.cleanup.policy'", StringComparison.Ordinal) && e.Contains("String must be one of: delete, compact", StringComparison.Ordinal));
        Assert.Contains(bad.Errors, e => e.Contains("'log.cleaner.min.cleanable.ratio'", StringComparison.Ordinal) && e.Contains("Value must be no more than 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Applied_keys_use_the_catalogs_bounds()
    {
        var config = LoadFile("log.segment.bytes=13\nschema.registry.port=65536\n");
        Assert.Contains(config.Errors, e => e.Contains("'log.segment.bytes': expected an integer >= 14", StringComparison.Ordinal)
            || e.Contains("'log.segment.bytes': expected an integer between 14", StringComparison.Ordinal));
        Assert.Contains(config.Errors, e => e.Contains("'schema.registry.port': expected an integer between 0 and 65535", StringComparison.Ordinal));
    }
}
