using System.Net;
using Chronik.Broker;
using Chronik.Broker.Security;
using Chronik.SchemaRegistry.Http;
using Chronik.SchemaRegistry.Registry;
using Chronik.SchemaRegistry.Schemas;
using Chronik.SchemaRegistry.Security;
using Chronik.SchemaRegistry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Chronik.SchemaRegistry;

/// <summary>Adds the built-in Schema Registry to a broker host: its services, its Kestrel listener, its routes.</summary>
public static class SchemaRegistryHosting
{
    /// <summary>Registers the registry and listens on <see cref="BrokerOptions.SchemaRegistryPort"/>, unless <see cref="BrokerOptions.SchemaRegistryEnabled"/> is off.</summary>
    public static WebApplicationBuilder AddChronikSchemaRegistry(this WebApplicationBuilder builder, BrokerOptions options)
    {
        if (!options.SchemaRegistryEnabled) return builder;
        builder.Services.AddSingleton<SchemasTopic>();
        builder.Services.AddSingleton<SchemaTypeRegistry>();
        builder.Services.AddSingleton<SchemaRegistryService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SchemaRegistryService>());
        builder.Services.AddSingleton<BasicAuthenticator>();
        builder.Services.AddSingleton<RegistryAuthorizer>();
        builder.Services.AddSingleton<RegistryMetrics>();
        ListenerSecurityOptions? tls = options.Listeners.Select(l => l.Security).FirstOrDefault(s => s.UsesTls);
        builder.WebHost.ConfigureKestrel(kestrel => Listen(kestrel, options.BindAddress, options.SchemaRegistryPort, tls));
        return builder;
    }

    /// <summary>Maps the REST API, with its authentication and metrics middleware, when the registry was added.</summary>
    public static WebApplication MapChronikSchemaRegistry(this WebApplication app)
    {
        if (app.Services.GetService<SchemaRegistryService>() is null) return app;
        app.UseMiddleware<RegistryMiddleware>();
        SchemaRegistryEndpoints.Map(app);
        return app;
    }

    // HTTPS with the first TLS listener's keystore (and its ssl.client.auth) when the broker has one, as Kafka's SSL listener.
    private static void Listen(KestrelServerOptions kestrel, string host, int port, ListenerSecurityOptions? tls)
    {
        void Mark(ListenOptions listen)
        {
            listen.Use(next => connection =>
            {
                connection.Features.Set(RegistryConnectionFeature.Instance);
                return next(connection);
            });
            if (tls is not null) TlsListener.Use(listen, tls);
        }
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address)) kestrel.Listen(address, port, Mark);
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) kestrel.ListenLocalhost(port, Mark);
        else
        {
            foreach (IPAddress resolved in Dns.GetHostAddresses(host)) kestrel.Listen(resolved, port, Mark);
        }
    }
}
