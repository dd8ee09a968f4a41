using Chronik.Broker.Tests;
using Chronik.Protocol.Messages;
using static Chronik.Server.Tests.CrashServer;

namespace Chronik.Server.Tests;

/// <summary>
/// Crash safety of the metadata log under bursts: four connections send topic, config and quota changes at once and
/// the server gets a SIGKILL once a number of them were acknowledged, with the others in flight. After a restart on
/// the same data directory every acknowledged change is there, and every change in flight is there whole or not at
/// all: a topic with all its partitions and configs or no topic, every key of an IncrementalAlterConfigs or none, every
/// quota of an entity or none.
/// </summary>
public sealed class MetadataBurstCrashTests : IDisposable
{
    private const int Connections = 4;
    private const sbyte TopicResource = 2, BrokerResource = 4;
    private readonly CrashServer _server = new();

    public void Dispose() => _server.Dispose();

    private static void CreateTopic(RawClient c, string name, int partitions, params (string Key, string Value)[] configs)
    {
        var r = Call<CreateTopicsResponse>(c, new CreateTopicsRequest
        {
            Topics = [new() { Name = name, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs.Select(x => new CreateTopicsRequest.CreatableTopicConfig { Name = x.Key, Value = x.Value }).ToList() }],
            TimeoutMs = 10_000,
        }, 5);
        Assert.Equal((0, name), (r.Topics[0].ErrorCode, r.Topics[0].Name));
    }

    private static (string, string)[] NewTopicConfigs(int i) => [("cleanup.policy", "compact"), ("retention.ms", $"{100_000 + i}"), ("segment.bytes", $"{1_048_576 + i}")];

    [Fact]
    public async Task Topic_creations_partition_growth_and_deletions_in_flight_at_a_sigkill_are_whole_or_absent()
    {
        const int Changes = 60;
        _server.Start();
        using (var setup = await _server.ConnectAsync())
        {
            for (int i = 0; i < Changes; i++)
            {
                if (i % 3 == 1) CreateTopic(setup, $"grow-{i}", 1);
                if (i % 3 == 2) CreateTopic(setup, $"del-{i}", 3, ("retention.ms", "123456"));
            }
        }
        // Change i: creates new-i (4 partitions, 3 configs), grows grow-i from 1 to 5 partitions, or deletes del-i.
        var outcomes = await _server.BurstThenKillAsync(Changes, Connections, killAfter: 30, (c, i) =>
        {
            switch (i % 3)
            {
                case 0:
                    CreateTopic(c, $"new-{i}", 4, NewTopicConfigs(i));
                    break;
                case 1:
                    var grown = Call<CreatePartitionsResponse>(c, new CreatePartitionsRequest
                    {
                        Topics = [new() { Name = $"grow-{i}", Count = 5, Assignments = null }], TimeoutMs = 10_000,
                    }, 3);
                    Assert.Equal(0, grown.Results[0].ErrorCode);
                    break;
                default:
                    var deleted = Call<DeleteTopicsResponse>(c, new DeleteTopicsRequest { TopicNames = [$"del-{i}"], TimeoutMs = 10_000 }, 5);
                    Assert.Equal(0, deleted.Responses[0].ErrorCode);
                    break;
            }
        });
        Assert.Contains(CrashServer.Outcome.NotSent, outcomes);

        _server.Start();
        using var r = await _server.ConnectAsync();
        var topics = Topics(r);
        int present = 0;
        for (int i = 0; i < Changes; i++)
        {
            var outcome = outcomes[i];
            switch (i % 3)
            {
                case 0:
                    bool created = topics.TryGetValue($"new-{i}", out var t);
                    if (outcome == CrashServer.Outcome.Acknowledged) Assert.True(created, $"new-{i} was acknowledged");
                    if (outcome == CrashServer.Outcome.NotSent) Assert.False(created, $"new-{i} was never sent");
                    if (!created) continue;
                    present++;
                    Assert.Equal([0, 1, 2, 3], t!.Partitions.Select(p => p.PartitionIndex).Order());
                    Assert.Equal(NewTopicConfigs(i).ToDictionary(x => x.Item1, x => (string?)x.Item2), ExplicitConfigs(r, TopicResource, $"new-{i}"));
                    break;
                case 1:
                    int partitions = topics[$"grow-{i}"].Partitions.Count;
                    if (outcome == CrashServer.Outcome.Acknowledged) Assert.Equal(5, partitions);
                    else if (outcome == CrashServer.Outcome.NotSent) Assert.Equal(1, partitions);
                    else Assert.True(partitions is 1 or 5, $"grow-{i} has {partitions} partitions");
                    break;
                default:
                    bool kept = topics.TryGetValue($"del-{i}", out var d);
                    if (outcome == CrashServer.Outcome.Acknowledged) Assert.False(kept, $"del-{i} was acknowledged deleted");
                    if (outcome == CrashServer.Outcome.NotSent) Assert.True(kept, $"del-{i} was never deleted");
                    if (!kept) continue;
                    Assert.Equal(3, d!.Partitions.Count);
                    Assert.Equal(new Dictionary<string, string?> { ["retention.ms"] = "123456" }, ExplicitConfigs(r, TopicResource, $"del-{i}"));
                    break;
            }
        }
        Assert.True(present >= 10, $"only {present} created topics survived");
        // The replayed state takes changes again: a deleted name is free, a surviving topic grows.
        CreateTopic(r, $"del-{Changes - 1}-again", 2);
        Assert.Equal(2, Topics(r)[$"del-{Changes - 1}-again"].Partitions.Count);
        var (code, _, stderr) = await _server.StopAsync();
        Assert.True(code == 0, stderr);
    }

    private static (string Key, string Value)[] TopicChange(int i) => [("retention.ms", $"{200_000 + i}"), ("segment.bytes", $"{2_097_152 + i}"), ("max.message.bytes", $"{300_000 + i}")];

    private static (string Key, string Value)[] BrokerChange(int i) => [("log.retention.ms", $"{400_000 + i}"), ("log.retention.bytes", $"{500_000_000 + i}")];

    private static readonly string[] QuotaKeys = ["producer_byte_rate", "consumer_byte_rate", "request_percentage"];

    private static double QuotaValue(int i, int k) => 1000 * (i + 1) + k;

    private static void IncrementalAlter(RawClient c, sbyte type, string name, (string Key, string Value)[] set)
    {
        var r = Call<IncrementalAlterConfigsResponse>(c, new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = type, ResourceName = name, Configs = set.Select(x => new IncrementalAlterConfigsRequest.AlterableConfig { Name = x.Key, ConfigOperation = 0, Value = x.Value }).ToList() }],
        }, 1);
        Assert.Equal((0, (string?)null), (r.Responses[0].ErrorCode, r.Responses[0].ErrorMessage));
    }

    [Fact]
    public async Task Topic_and_broker_config_changes_and_client_quotas_in_flight_at_a_sigkill_are_whole_or_absent()
    {
        const int Changes = 90;
        _server.Start();
        using (var setup = await _server.ConnectAsync())
        {
            for (int i = 0; i < Changes; i += 3) CreateTopic(setup, $"cfg-{i}", 1);
        }
        // Change i: three configs of topic cfg-i, two of this broker (the same keys each time), or three quotas of user q-i.
        var outcomes = await _server.BurstThenKillAsync(Changes, Connections, killAfter: 45, (c, i) =>
        {
            switch (i % 3)
            {
                case 0:
                    IncrementalAlter(c, TopicResource, $"cfg-{i}", TopicChange(i));
                    break;
                case 1:
                    IncrementalAlter(c, BrokerResource, "1", BrokerChange(i));
                    break;
                default:
                    var q = Call<AlterClientQuotasResponse>(c, new AlterClientQuotasRequest
                    {
                        Entries =
                        [
                            new()
                            {
                                Entity = [new() { EntityType = "user", EntityName = $"q-{i}" }],
                                Ops = QuotaKeys.Select((k, n) => new AlterClientQuotasRequest.OpData { Key = k, Value = QuotaValue(i, n) }).ToList(),
                            },
                        ],
                    }, 1);
                    Assert.Equal(0, q.Entries[0].ErrorCode);
                    break;
            }
        });
        Assert.Contains(CrashServer.Outcome.NotSent, outcomes);

        _server.Start();
        using var r = await _server.ConnectAsync();
        var quotas = Call<DescribeClientQuotasResponse>(r, new DescribeClientQuotasRequest
        {
            Components = [new() { EntityType = "user", MatchType = 2, Match = null }],
        }, 1);
        Assert.Equal(0, quotas.ErrorCode);
        var byUser = quotas.Entries!.ToDictionary(e => e.Entity.Single().EntityName!, e => e.Values.ToDictionary(v => v.Key, v => v.Value), StringComparer.Ordinal);
        for (int i = 0; i < Changes; i++)
        {
            var outcome = outcomes[i];
            if (i % 3 == 0)
            {
                var configs = ExplicitConfigs(r, TopicResource, $"cfg-{i}");
                var whole = TopicChange(i).ToDictionary(x => x.Key, x => (string?)x.Value);
                if (outcome == CrashServer.Outcome.Acknowledged) Assert.Equal(whole, configs);
                else if (outcome == CrashServer.Outcome.NotSent) Assert.Empty(configs);
                else Assert.True(configs.Count == 0 || configs.OrderBy(x => x.Key).SequenceEqual(whole.OrderBy(x => x.Key)), $"cfg-{i}: {string.Join(",", configs)}");
            }
            else if (i % 3 == 2)
            {
                bool has = byUser.TryGetValue($"q-{i}", out var values);
                if (outcome == CrashServer.Outcome.Acknowledged) Assert.True(has, $"q-{i} was acknowledged");
                if (outcome == CrashServer.Outcome.NotSent) Assert.False(has, $"q-{i} was never sent");
                if (has) Assert.Equal(QuotaKeys.Select((k, n) => (k, QuotaValue(i, n))).OrderBy(x => x.k), values!.Select(v => (v.Key, v.Value)).OrderBy(x => x.Key));
            }
        }
        // The broker's two keys hold the values of one change, and one that was sent (they all set the same keys).
        var broker = ExplicitConfigs(r, BrokerResource, "1");
        int from = int.Parse(broker["log.retention.ms"]!, System.Globalization.CultureInfo.InvariantCulture) - 400_000;
        Assert.Equal(BrokerChange(from).ToDictionary(x => x.Key, x => (string?)x.Value), broker.Where(x => x.Key.StartsWith("log.retention.", StringComparison.Ordinal)).ToDictionary(x => x.Key, x => x.Value));
        Assert.True(from % 3 == 1 && outcomes[from] != CrashServer.Outcome.NotSent, $"broker configs from change {from}");
        var (code, _, stderr) = await _server.StopAsync();
        Assert.True(code == 0, stderr);
    }
}
