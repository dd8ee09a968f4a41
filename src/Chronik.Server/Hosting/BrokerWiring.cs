using Chronik.Broker;

namespace Chronik.Server.Hosting;

/// <summary>The single seam where the broker layer plugs its services and Kafka listener into the host.</summary>
internal static class BrokerWiring
{
    public static void AddBroker(WebApplicationBuilder builder, BrokerOptions options)
    {
        builder.Services.AddSingleton(options);

        // WIRING PENDING: Chronik.Broker does not provide these extension methods yet. Until it
        // does the server serves only /metrics and /health; uncomment both lines to add the Kafka
        // listener on options.BindAddress:options.KafkaPort.
        // builder.Services.AddChronikBroker(options);
        // builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenChronikBroker(options));
    }
}
