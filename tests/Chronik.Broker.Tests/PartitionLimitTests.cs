using Chronik.Broker.Services;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>max.partitions.per.request and max.broker.partitions: CreateTopics, CreatePartitions and auto-creation answer POLICY_VIOLATION past them.</summary>
public sealed class PartitionLimitTests : IAsyncLifetime
{
    private const int PerRequest = 10;
    private const int PerBroker = 15;
    private readonly BrokerFixture _broker = new() { ConfigureOptions = o => { o.MaxPartitionsPerRequest = PerRequest; o.MaxBrokerPartitions = PerBroker; } };

    public Task InitializeAsync() => _broker.InitializeAsync();

    public Task DisposeAsync() => _broker.DisposeAsync();

    private T Call<T>(IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(_broker.Port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private CreateTopicsResponse CreateTopics(bool validateOnly, params (string Name, int Partitions)[] topics) =>
        Call<CreateTopicsResponse>(new CreateTopicsRequest
        {
            ValidateOnly = validateOnly,
            TimeoutMs = 10_000,
            Topics = topics.Select(t => new CreateTopicsRequest.CreatableTopic { Name = t.Name, NumPartitions = t.Partitions, ReplicationFactor = -1 }).ToList(),
        }, 7);

    private CreatePartitionsResponse CreatePartitions(bool validateOnly, params (string Name, int Count)[] topics) =>
        Call<CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            ValidateOnly = validateOnly,
            TimeoutMs = 10_000,
            Topics = topics.Select(t => new CreatePartitionsRequest.CreatePartitionsTopic { Name = t.Name, Count = t.Count, Assignments = null }).ToList(),
        }, 3);

    // Every partition the broker holds, the offsets topic's included (it counts, but is never refused).
    private long Total() => _broker.Services.GetRequiredService<ClusterView>().Topics.PartitionCount;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CreateTopics_past_the_request_limit_fails_every_topic_and_creates_nothing(bool validateOnly)
    {
        long before = Total();
        var r = CreateTopics(validateOnly, ("req-a", 6), ("req-b", 5));

        Assert.Equal(2, r.Topics.Count);
        foreach (var t in r.Topics)
        {
            Assert.Equal((short)KafkaError.PolicyViolation, t.ErrorCode);
            Assert.Equal("Excessively large number of partitions per request: 11 requested, more than max.partitions.per.request=10.", t.ErrorMessage);
        }
        Assert.Equal(before, Total());
        Assert.All(CreateTopics(validateOnly, ("req-a", 6), ("req-b", 4)).Topics, t => Assert.Equal(0, t.ErrorCode));
    }

    [Fact]
    public void CreateTopics_past_the_broker_limit_fails_that_topic_with_the_key_in_the_message()
    {
        Assert.Equal(0, Assert.Single(CreateTopics(false, ("brk-a", 10)).Topics).ErrorCode);
        long total = Total();
        int room = (int)(PerBroker - total);
        Assert.InRange(room, 2, 5);

        var check = CreateTopics(true, ("brk-c", room), ("brk-d", room + 1));
        Assert.Equal(0, check.Topics.Single(t => t.Name == "brk-c").ErrorCode);
        var refused = check.Topics.Single(t => t.Name == "brk-d");
        Assert.Equal((short)KafkaError.PolicyViolation, refused.ErrorCode);
        Assert.Equal($"Unable to create {room + 1} partition(s) for topic 'brk-d': the broker has {total} partition(s) and max.broker.partitions={PerBroker} allows {room} more.", refused.ErrorMessage);
        Assert.Equal(total, Total());

        var r = CreateTopics(false, ("brk-c", 1), ("brk-d", room));
        Assert.Equal(0, r.Topics.Single(t => t.Name == "brk-c").ErrorCode);
        Assert.Equal((short)KafkaError.PolicyViolation, r.Topics.Single(t => t.Name == "brk-d").ErrorCode);
        Assert.Equal(0, Assert.Single(CreateTopics(false, ("brk-e", room - 1)).Topics).ErrorCode);
        Assert.Equal(PerBroker, Total());
        var full = Assert.Single(CreateTopics(false, ("brk-f", 1)).Topics);
        Assert.Equal((short)KafkaError.PolicyViolation, full.ErrorCode);
        Assert.EndsWith("allows 0 more.", full.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void CreatePartitions_checks_both_limits_also_when_only_validating()
    {
        Assert.All(CreateTopics(false, ("grow-a", 1), ("grow-b", 1)).Topics, t => Assert.Equal(0, t.ErrorCode));
        long before = Total();

        foreach (bool validateOnly in new[] { true, false })
        {
            var tooMany = CreatePartitions(validateOnly, ("grow-a", 7), ("grow-b", 6));
            Assert.Equal(2, tooMany.Results.Count);
            Assert.All(tooMany.Results, t => Assert.Equal((short)KafkaError.PolicyViolation, t.ErrorCode));
            Assert.Equal("Excessively large number of partitions per request: 11 requested, more than max.partitions.per.request=10.", tooMany.Results[0].ErrorMessage);
        }
        Assert.Equal(before, Total());
        Assert.Equal(0, Assert.Single(CreatePartitions(false, ("grow-a", 9)).Results).ErrorCode);
        int room = (int)(PerBroker - Total());

        foreach (bool validateOnly in new[] { true, false })
        {
            var full = Assert.Single(CreatePartitions(validateOnly, ("grow-b", 1 + room + 1)).Results);
            Assert.Equal((short)KafkaError.PolicyViolation, full.ErrorCode);
            Assert.Contains($"max.broker.partitions={PerBroker} allows {room} more", full.ErrorMessage, StringComparison.Ordinal);
        }
        Assert.Equal(0, Assert.Single(CreatePartitions(false, ("grow-b", 1 + room)).Results).ErrorCode);
        Assert.Equal(PerBroker, Total());
    }

    [Fact]
    public void Auto_created_topics_past_the_broker_limit_get_an_error_and_the_broker_keeps_serving()
    {
        Assert.Equal(0, Assert.Single(CreateTopics(false, ("auto-full", 5)).Topics).ErrorCode);
        int count = (int)(5 + PerBroker - Total());
        Assert.Equal(0, Assert.Single(CreatePartitions(false, ("auto-full", count)).Results).ErrorCode);

        var r = Call<MetadataResponse>(new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = "auto-new" }, new MetadataRequest.MetadataRequestTopic { Name = "auto-full" }],
            AllowAutoTopicCreation = true,
        }, 9);

        Assert.Equal((short)KafkaError.PolicyViolation, r.Topics.Single(t => t.Name == "auto-new").ErrorCode);
        Assert.Equal(count, r.Topics.Single(t => t.Name == "auto-full").Partitions.Count);
        Assert.Equal(PerBroker, Total());
    }

    [Fact]
    public async Task AdminClient_sees_policy_violation_with_the_reason()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.Bootstrap }).Build();

        var e = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = "adm-big", NumPartitions = 11, ReplicationFactor = 1 }]));

        var result = Assert.Single(e.Results);
        Assert.Equal(Confluent.Kafka.ErrorCode.PolicyViolation, result.Error.Code);
        Assert.Contains("max.partitions.per.request", result.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeConfigs_reports_both_limits()
    {
        var configs = ConfigDescriber.DescribeBroker(_broker.Options).ToDictionary(c => c.Name);

        Assert.Equal("10", configs["max.partitions.per.request"].Value);
        Assert.Equal("15", configs["max.broker.partitions"].Value);
        Assert.True(configs["max.broker.partitions"].ReadOnly);
        var defaults = ConfigDescriber.DescribeBroker(new BrokerOptions()).ToDictionary(c => c.Name);
        Assert.Equal(("10000", "200000"), (defaults["max.partitions.per.request"].Value, defaults["max.broker.partitions"].Value));
    }
}
