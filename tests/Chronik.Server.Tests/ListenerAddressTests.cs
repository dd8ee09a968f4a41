using Chronik.Broker.Configuration;

namespace Chronik.Server.Tests;

/// <summary>Parsing of Kafka's <c>listeners</c> and <c>advertised.listeners</c> syntax.</summary>
public sealed class ListenerAddressTests
{
    [Theory]
    [InlineData("PLAINTEXT://:9092", "", 9092)]
    [InlineData("PLAINTEXT://0.0.0.0:9092", "0.0.0.0", 9092)]
    [InlineData("plaintext://broker-1.example:19092", "broker-1.example", 19092)]
    [InlineData("PLAINTEXT://[::1]:9094", "::1", 9094)]
    public void Parses_host_and_port(string text, string host, int port)
    {
        ListenerAddress listener = ListenerAddress.Parse(text);

        Assert.True(listener.IsPlainText);
        Assert.Equal((host, port), (listener.Host, listener.Port));
    }

    [Fact]
    public void Picks_the_plaintext_listener_and_reports_the_rest()
    {
        (ListenerAddress listener, IReadOnlyList<string> ignored) =
            ListenerAddress.ParsePlainText("CONTROLLER://:9093, PLAINTEXT://host:9092");

        Assert.Equal(("host", 9092), (listener.Host, listener.Port));
        Assert.Equal(["CONTROLLER://:9093"], ignored);
    }

    [Fact]
    public void Ignored_listeners_become_warnings()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "listeners=PLAINTEXT://:9092,CONTROLLER://:9093");
        try
        {
            ServerConfig config = ServerConfigLoader.Load(["--config", path]);

            Assert.True(config.IsValid);
            Assert.Contains(config.Warnings, w => w.Contains("CONTROLLER://:9093", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Formats_ipv6_hosts_in_brackets() =>
        Assert.Equal("PLAINTEXT://[::1]:9092", ListenerAddress.Format("PLAINTEXT", "::1", 9092));
}
