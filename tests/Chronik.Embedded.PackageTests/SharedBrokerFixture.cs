using Chronik.Embedded;
using Chronik.Embedded.PackageTests;

// One in-memory broker for the whole assembly (xunit v3 assembly fixture), as the README shows.
[assembly: AssemblyFixture(typeof(SharedBrokerFixture))]

namespace Chronik.Embedded.PackageTests;

/// <summary>The assembly-wide broker: started once before the first test, disposed after the last.</summary>
public sealed class SharedBrokerFixture : IAsyncLifetime
{
    public EmbeddedBroker Broker { get; private set; } = null!;

    /// <summary>Set CHRONIK_BOOTSTRAP to run the same tests against a broker process instead (bench/embedded.sh).</summary>
    public string BootstrapServers => Environment.GetEnvironmentVariable("CHRONIK_BOOTSTRAP") is { Length: > 0 } external
        ? external : Broker.BootstrapServers;

    public async ValueTask InitializeAsync()
    {
        NativeKafka.EnsureResolver();
        Broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            Properties = new Dictionary<string, string> { ["group.initial.rebalance.delay.ms"] = "0" },
        });
    }

    public async ValueTask DisposeAsync() => await Broker.DisposeAsync();
}
