using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Chronik.Embedded.PackageTests;

/// <summary>The broker logs into the test's own logger factory, here xunit's test output.</summary>
public sealed class LoggingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_broker_logs_each_request_into_the_given_logger_factory_at_debug()
    {
        NativeKafka.EnsureResolver();
        var provider = new TestOutputLoggerProvider(output);
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        await using (EmbeddedBroker broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { LoggerFactory = factory, LogLevel = LogLevel.Debug }))
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers, ClientId = "log-test" }).Build();
            admin.GetMetadata(TimeSpan.FromSeconds(10));
        }
        Assert.Contains(provider.Lines, l => l.Contains("API Request: Metadata", StringComparison.Ordinal) && l.Contains("log-test", StringComparison.Ordinal));
        Assert.DoesNotContain(provider.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }
}
