using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Chronik.Broker.Tests.ShareGroupTestClient;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>DescribeShareGroupOffsets (90) v0-1, AlterShareGroupOffsets (91) v0, DeleteShareGroupOffsets (92) v0, and the share group configs.</summary>
public class ShareOffsetsTests
{
    private static DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup Describe(int port, string group, string? topic, short version = 1) =>
        Assert.Single(Call<DescribeShareGroupOffsetsResponse>(port, new DescribeShareGroupOffsetsRequest
        {
            Groups = [new() { GroupId = group, Topics = topic is null ? null : [new() { TopicName = topic, Partitions = [0] }] }],
        }, version).Groups);

    private static AlterShareGroupOffsetsResponse Alter(int port, string group, string topic, long offset) =>
        Call<AlterShareGroupOffsetsResponse>(port, new AlterShareGroupOffsetsRequest
        {
            GroupId = group, Topics = [new() { TopicName = topic, Partitions = [new() { PartitionIndex = 0, StartOffset = offset }] }],
        }, 0);

    private static DeleteShareGroupOffsetsResponse Delete(int port, string group, string topic) =>
        Call<DeleteShareGroupOffsetsResponse>(port, new DeleteShareGroupOffsetsRequest { GroupId = group, Topics = [new() { TopicName = topic }] }, 0);

    [Fact]
    public async Task Start_offsets_are_described_altered_and_deleted_while_the_group_is_empty()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        int port = broker.Port;
        Assert.Equal((short)KafkaError.UnsupportedVersion, Describe(port, "sg", "so").ErrorCode);
        Assert.Equal(0, SetShareVersion(port, 1));
        var topic = await CreateTopicWithRecords(broker, "so", 10);
        SetGroupConfig(broker, "sg", "share.auto.offset.reset", "earliest");
        Assert.Equal((short)KafkaError.GroupIdNotFound, Describe(port, "sg", "so").ErrorCode);

        Assert.Equal(0, Heartbeat(port, "sg", "m", 0, "so").ErrorCode);
        Assert.Equal([(0L, 9L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "m", 0, topic))));
        Assert.Equal(0, ShareAcknowledge(port, "sg", "m", 1, topic, 2, (0, 3, Accept)).ErrorCode);
        var d = Describe(port, "sg", "so");
        var p = Assert.Single(Assert.Single(d.Topics).Partitions);
        Assert.Equal((0, 4L, 0, 6L), ((int)p.ErrorCode, p.StartOffset, p.LeaderEpoch, p.Lag));
        Assert.Equal(topic, d.Topics[0].TopicId);
        // v0 has no lag; null topics: every topic with state.
        var all = Describe(port, "sg", null, 0);
        Assert.Equal(4L, Assert.Single(Assert.Single(all.Topics).Partitions).StartOffset);
        var unknown = Describe(port, "sg", "nope");
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, Assert.Single(Assert.Single(unknown.Topics).Partitions).ErrorCode);

        // A member is still there: no changes.
        Assert.Equal((short)KafkaError.NonEmptyGroup, Alter(port, "sg", "so", 8).ErrorCode);
        Assert.Equal((short)KafkaError.NonEmptyGroup, Delete(port, "sg", "so").ErrorCode);
        Assert.Equal(-1, Heartbeat(port, "sg", "m", -1).MemberEpoch);

        var altered = Alter(port, "sg", "so", 8);
        Assert.Equal(0, altered.ErrorCode);
        Assert.Equal(0, Assert.Single(Assert.Single(altered.Responses).Partitions).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, Assert.Single(Assert.Single(Alter(port, "sg", "so", -5).Responses).Partitions).ErrorCode);
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, Assert.Single(Assert.Single(Alter(port, "sg", "nope", 0).Responses).Partitions).ErrorCode);
        Assert.Equal(8L, Assert.Single(Assert.Single(Describe(port, "sg", "so").Topics).Partitions).StartOffset);
        // The next fetch starts at the new start offset, with fresh delivery counts.
        Assert.Equal([(8L, 9L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "m2", 0, topic))));
        Assert.Equal(0, ShareFetch(port, Fetch("sg", "m2", -1, topic)).ErrorCode);

        var deleted = Delete(port, "sg", "so");
        Assert.Equal(0, deleted.ErrorCode);
        Assert.Equal((0, topic), ((int)Assert.Single(deleted.Responses).ErrorCode, deleted.Responses[0].TopicId));
        Assert.Equal((short)KafkaError.UnknownTopicOrPartition, Assert.Single(Delete(port, "sg", "nope").Responses).ErrorCode);
        Assert.Equal(-1L, Assert.Single(Assert.Single(Describe(port, "sg", "so").Topics).Partitions).StartOffset);

        // Deleted state stays deleted after a restart; the partition starts again from share.auto.offset.reset (earliest).
        await broker.StopAsync();
        await broker.StartAsync();
        Assert.Equal([(0L, 9L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "m3", 0, topic))));
    }

    [Fact]
    public async Task The_share_group_configs_are_described_and_validated_with_the_other_group_configs()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        int port = broker.Port;
        var described = Call<DescribeConfigsResponse>(port, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 32, ResourceName = "g" }],
        }, 4);
        var names = Assert.Single(described.Results).Configs.ToDictionary(c => c.Name, c => c.Value);
        Assert.Equal("read_uncommitted", names["share.isolation.level"]);
        Assert.Equal("5", names["share.delivery.count.limit"]);
        Assert.Equal("latest", names["share.auto.offset.reset"]);
        Assert.Equal("30000", names["share.record.lock.duration.ms"]);

        IncrementalAlterConfigsResponse Set(string key, string value) => Call<IncrementalAlterConfigsResponse>(port, new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 32, ResourceName = "g", Configs = [new() { Name = key, ConfigOperation = 0, Value = value }] }],
        }, 1);
        Assert.Equal(0, Assert.Single(Set("share.isolation.level", "read_committed").Responses).ErrorCode);
        Assert.Equal(0, Assert.Single(Set("share.auto.offset.reset", "by_duration:PT1H").Responses).ErrorCode);
        Assert.Equal(0, Assert.Single(Set("share.delivery.count.limit", "3").Responses).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidConfig, Assert.Single(Set("share.isolation.level", "dirty").Responses).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidConfig, Assert.Single(Set("share.delivery.count.limit", "11").Responses).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidConfig, Assert.Single(Set("share.record.lock.duration.ms", "1000").Responses).ErrorCode);
    }
}

/// <summary>Share group ACLs: READ on the group and on the topic for heartbeats, fetches and acknowledgements; DELETE on the group for deleting offsets.</summary>
public class ShareGroupAclTests
{
    [Fact]
    public async Task Share_apis_need_read_on_the_group_and_the_topic()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        broker.Options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        broker.Options.AllowEveryoneIfNoAclFound = false;
        await broker.StartAsync();
        int port = broker.Port;
        var features = broker.Services.GetRequiredService<Chronik.Coordination.Features.FinalizedFeatures>();
        Assert.Equal(KafkaError.None, features.Update([new("share.version", 1, Chronik.Coordination.Features.FeatureUpgradeType.Upgrade)], false, () => 0).Error);
        var topic = await CreateTopicWithRecords(broker, "acl-share", 4);
        SetGroupConfig(broker, "sg", "share.auto.offset.reset", "earliest");
        var acls = broker.Services.GetRequiredService<AclStore>();
        void Allow(AclResourceType type, string name, AclOperation op) =>
            Assert.True(acls.Create([new AclBinding(type, name, AclPatternType.Literal, "User:ANONYMOUS", "*", op, AclPermissionType.Allow)])[0].Succeeded);

        Assert.Equal((short)KafkaError.GroupAuthorizationFailed, Heartbeat(port, "sg", "m", 0, "acl-share").ErrorCode);
        Assert.Equal((short)KafkaError.GroupAuthorizationFailed, ShareFetch(port, Fetch("sg", "m", 0, topic)).ErrorCode);
        Assert.Equal((short)KafkaError.GroupAuthorizationFailed, ShareAcknowledge(port, "sg", "m", 1, topic, 2, (0, 0, Accept)).ErrorCode);

        Allow(AclResourceType.Group, "sg", AclOperation.Read);
        Assert.Equal((short)KafkaError.TopicAuthorizationFailed, Heartbeat(port, "sg", "m", 0, "acl-share").ErrorCode);
        var denied = ShareFetch(port, Fetch("sg", "m", 0, topic));
        Assert.Equal(0, denied.ErrorCode);
        Assert.Equal((short)KafkaError.TopicAuthorizationFailed, Assert.Single(Assert.Single(denied.Responses).Partitions).ErrorCode);

        Allow(AclResourceType.Topic, "acl-share", AclOperation.Read);
        Assert.Equal(0, Heartbeat(port, "sg", "m", 0, "acl-share").ErrorCode);
        Assert.Equal([(0L, 3L, (short)1)], Acquired(ShareFetch(port, Fetch("sg", "m", 0, topic))));
        Assert.Equal(0, Assert.Single(Assert.Single(ShareAcknowledge(port, "sg", "m", 1, topic, 2, (0, 3, Accept)).Responses).Partitions).ErrorCode);
        Assert.Equal(-1, Heartbeat(port, "sg", "m", -1).MemberEpoch);
        var delete = Call<DeleteShareGroupOffsetsResponse>(port, new DeleteShareGroupOffsetsRequest { GroupId = "sg", Topics = [new() { TopicName = "acl-share" }] }, 0);
        Assert.Equal((short)KafkaError.GroupAuthorizationFailed, delete.ErrorCode);
    }
}
