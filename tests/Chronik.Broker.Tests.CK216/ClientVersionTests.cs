using System.Reflection;
using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>This project really runs Confluent.Kafka 2.16.0 over librdkafka 2.16.0.</summary>
[Collection("broker")]
public class ClientVersionTests(BrokerFixture broker)
{
    [Fact]
    public void Confluent_Kafka_and_librdkafka_are_2_16_0()
    {
        Assert.NotEqual(0, broker.Port); // the fixture installed the resolver
        Assert.Equal(new Version(2, 16, 0, 0), typeof(ProducerConfig).Assembly.GetName().Version);
        Assert.StartsWith("2.16.0", typeof(ProducerConfig).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("CHRONIK_LIBRDKAFKA") is not { Length: > 0 }) Assert.Equal("2.16.0", Library.VersionString);
    }
}
