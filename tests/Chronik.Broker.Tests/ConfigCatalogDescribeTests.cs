using Chronik.Coordination.Configs.Catalog;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>DescribeConfigs over the wire lists exactly the catalog's keys, in its order, for BROKER, TOPIC and GROUP resources.</summary>
[Collection("broker")]
public class ConfigCatalogDescribeTests(BrokerFixture broker)
{
    private const sbyte Topic = 2, Broker = 4, Group = 32;

    private DescribeConfigsResponse.DescribeConfigsResult Describe(sbyte type, string name)
    {
        using var c = new RawClient(broker.Port);
        var request = new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = type, ResourceName = name, ConfigurationKeys = null }],
            IncludeSynonyms = true,
            IncludeDocumentation = true,
        };
        int corr = c.Send(request, 4);
        var result = Assert.Single(c.Receive<DescribeConfigsResponse>(corr, 4, ApiKeys.ResponseHeaderVersion(request.ApiKey, 4)).Results);
        Assert.Equal(0, result.ErrorCode);
        return result;
    }

    private static void AssertListsTheCatalog(IReadOnlyList<ConfigKey> catalog, DescribeConfigsResponse.DescribeConfigsResult result)
    {
        Assert.Equal(catalog.Select(k => k.Name), result.Configs.Select(c => c.Name));
        foreach (var (key, config) in catalog.Zip(result.Configs))
        {
            Assert.Equal((key.Name, (sbyte)key.Type, key.Documentation), (config.Name, config.ConfigType, config.Documentation));
        }
    }

    [Fact]
    public void Broker_resource_lists_every_broker_key_read_only_unless_dynamic_and_passwords_hidden()
    {
        var result = Describe(Broker, broker.Options.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AssertListsTheCatalog(BrokerConfigKeys.All, result);
        foreach (var (key, config) in BrokerConfigKeys.All.Zip(result.Configs))
        {
            Assert.Equal((key.Name, !key.Dynamic, key.Sensitive), (config.Name, config.ReadOnly, config.IsSensitive));
            if (key.Sensitive) Assert.True(config.Value is null && config.Synonyms.All(s => s.Value is null), key.Name);
        }
    }

    [Fact]
    public void Topic_resource_lists_every_topic_key_with_its_broker_synonyms()
    {
        string name = "catalog-" + Guid.NewGuid().ToString("N")[..8];
        broker.Services.GetRequiredService<TopicManager>().Create(name, 1, 1, new Dictionary<string, string?>(), validateOnly: false);
        var result = Describe(Topic, name);
        AssertListsTheCatalog(TopicConfigKeys.All, result);
        foreach (var (key, config) in TopicConfigKeys.All.Zip(result.Configs))
        {
            // Unset on the topic: every synonym is one of the broker keys the catalog names, the last one Kafka's default.
            var names = key.Synonyms.Select(s => s.Key.Name).ToHashSet(StringComparer.Ordinal);
            Assert.All(config.Synonyms, s => Assert.Contains(s.Name, names));
            if (key.Synonyms.Count > 0) Assert.Equal((key.Synonyms[^1].Key.Name, (sbyte)5), (config.Synonyms[^1].Name, config.Synonyms[^1].Source));
        }
    }

    [Fact]
    public void Group_resource_lists_every_group_key()
    {
        var result = Describe(Group, "catalog-group");
        AssertListsTheCatalog(GroupConfigKeys.All, result);
        Assert.All(result.Configs, c => Assert.Equal((sbyte)5, c.ConfigSource));
    }
}
