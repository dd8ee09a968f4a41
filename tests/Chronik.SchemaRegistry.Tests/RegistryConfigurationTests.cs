using Chronik.Broker;
using Chronik.Broker.Configuration;
using Chronik.Broker.Hosting;
using Chronik.SchemaRegistry.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>The registry's flag and server.properties keys, and <c>schema.registry.enable=false</c>.</summary>
public class RegistryConfigurationTests
{
    [Fact]
    public void Flag_and_keys_set_the_port_and_switch()
    {
        Assert.Equal((true, 8081), (new BrokerOptions().SchemaRegistryEnabled, new BrokerOptions().SchemaRegistryPort));
        ServerConfig flags = ServerConfigLoader.Load(["--schema-registry-port", "18081"]);
        Assert.True(flags.IsValid, string.Join("; ", flags.Errors));
        Assert.Equal(18081, flags.Options.SchemaRegistryPort);
        Assert.False(ServerConfigLoader.Load(["--schema-registry-port", "70000"]).IsValid);
        ServerConfig props = ServerConfigLoader.LoadProperties(new BrokerOptions(),
            [new("schema.registry.enable", "false"), new("schema.registry.port", "0")], "test");
        Assert.True(props.IsValid, string.Join("; ", props.Errors));
        Assert.Equal((false, 0), (props.Options.SchemaRegistryEnabled, props.Options.SchemaRegistryPort));
    }

    [Fact]
    public async Task Disabled_registry_adds_nothing()
    {
        var options = new BrokerOptions
        {
            BindAddress = "127.0.0.1",
            KafkaPort = 0,
            AdvertisedHost = "127.0.0.1",
            SchemaRegistryEnabled = false,
        };
        WebApplicationBuilder builder = BrokerHost.CreateBuilder(options, new Chronik.Storage.Memory.MemoryLogStore());
        builder.AddChronikSchemaRegistry(options);
        await using WebApplication app = builder.Build();
        app.MapChronikSchemaRegistry();
        Assert.Null(app.Services.GetService<SchemaRegistryService>());
    }
}
