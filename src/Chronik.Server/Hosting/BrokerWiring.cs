using Chronik.Broker;

namespace Chronik.Server.Hosting;

/// <summary>The single seam where the broker layer plugs its services and Kafka listener into the host.</summary>
internal static class BrokerWiring
{
    public static void AddBroker(WebApplicationBuilder builder, BrokerOptions options)
    {
        builder.Services.AddChronikBroker(options);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenChronikBroker(options));
    }
}
