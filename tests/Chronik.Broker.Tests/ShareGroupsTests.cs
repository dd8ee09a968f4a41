using Chronik.Protocol.Messages;
using Xunit;
using static Chronik.Broker.Tests.ShareGroupTestClient;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>Share groups (KIP-932) in raw frames: the feature gate, ShareGroupHeartbeat/Describe, ListGroups and DeleteGroups.</summary>
public class ShareGroupsTests
{
    private static readonly short[] ShareKeys = [76, 77, 78, 79];

    private static Dictionary<short, (short, short)> Advertised(int port) =>
        Call<ApiVersionsResponse>(port, new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, 4)
            .ApiKeys.ToDictionary(k => k.ApiKey, k => (k.MinVersion, k.MaxVersion));

    [Fact]
    public async Task Share_apis_are_advertised_only_while_share_version_is_finalized_at_1()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        var before = Advertised(broker.Port);
        Assert.DoesNotContain(before.Keys, k => ShareKeys.Contains(k));
        Assert.Equal((short)KafkaError.UnsupportedVersion, Heartbeat(broker.Port, "g", "m1", 0, "t").ErrorCode);
        Assert.Equal((short)KafkaError.UnsupportedVersion, ShareFetch(broker.Port, Fetch("g", "m1", 0, Guid.NewGuid())).ErrorCode);
        var describe = Call<ShareGroupDescribeResponse>(broker.Port, new ShareGroupDescribeRequest { GroupIds = ["g"] }, 1);
        Assert.Equal((short)KafkaError.UnsupportedVersion, Assert.Single(describe.Groups).ErrorCode);

        Assert.Equal(0, SetShareVersion(broker.Port, 1));
        var after = Advertised(broker.Port);
        Assert.Equal((1, 1), after[76]);
        Assert.Equal((1, 1), after[77]);
        Assert.Equal((1, 2), after[78]);
        Assert.Equal((1, 2), after[79]);
        var features = Call<ApiVersionsResponse>(broker.Port, new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, 4);
        Assert.Contains(features.FinalizedFeatures, f => f.Name == "share.version" && f.MaxVersionLevel == 1);

        Assert.Equal(0, SetShareVersion(broker.Port, 0));
        Assert.DoesNotContain(Advertised(broker.Port).Keys, k => ShareKeys.Contains(k));
    }

    [Fact]
    public async Task Members_join_get_the_shared_partition_are_described_listed_and_leave()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        Assert.Equal(0, SetShareVersion(broker.Port, 1));
        var topicId = await CreateTopicWithRecords(broker, "share-members", 0);

        var a = Heartbeat(broker.Port, "sg", "member-a", 0, "share-members");
        Assert.Equal(0, a.ErrorCode);
        Assert.Equal(1, a.MemberEpoch);
        Assert.Equal(5000, a.HeartbeatIntervalMs);
        var assigned = Assert.Single(a.Assignment!.TopicPartitions);
        Assert.Equal(topicId, assigned.TopicId);
        Assert.Equal([0], assigned.Partitions);
        var b = Heartbeat(broker.Port, "sg", "member-b", 0, "share-members");
        Assert.Equal(0, b.ErrorCode);
        // Both members fetch the one partition: share groups share partitions.
        Assert.Equal([0], Assert.Single(b.Assignment!.TopicPartitions).Partitions);
        var again = Heartbeat(broker.Port, "sg", "member-a", a.MemberEpoch);
        Assert.Equal(0, again.ErrorCode);
        Assert.Equal(b.MemberEpoch, again.MemberEpoch);

        var d = Assert.Single(Call<ShareGroupDescribeResponse>(broker.Port, new ShareGroupDescribeRequest { GroupIds = ["sg"], IncludeAuthorizedOperations = true }, 1).Groups);
        Assert.Equal((0, "Stable", "simple"), ((int)d.ErrorCode, d.GroupState, d.AssignorName));
        Assert.Equal(["member-a", "member-b"], d.Members.Select(m => m.MemberId).Order().ToList());
        Assert.All(d.Members, m => Assert.Equal("share-members", Assert.Single(m.Assignment.TopicPartitions).TopicName));
        Assert.NotEqual(int.MinValue, d.AuthorizedOperations);
        var unknown = Assert.Single(Call<ShareGroupDescribeResponse>(broker.Port, new ShareGroupDescribeRequest { GroupIds = ["nope"] }, 1).Groups);
        Assert.Equal((short)KafkaError.GroupIdNotFound, unknown.ErrorCode);

        var shareList = Call<ListGroupsResponse>(broker.Port, new ListGroupsRequest { TypesFilter = ["share"] }, 5);
        var listed = Assert.Single(shareList.Groups);
        Assert.Equal(("sg", "share", "Stable", "share"), (listed.GroupId, listed.ProtocolType, listed.GroupState, listed.GroupType));
        Assert.Empty(Call<ListGroupsResponse>(broker.Port, new ListGroupsRequest { TypesFilter = ["consumer"] }, 5).Groups);
        Assert.Contains(Call<ListGroupsResponse>(broker.Port, new ListGroupsRequest(), 0).Groups, g => g.GroupId == "sg" && g.ProtocolType == "share");

        // DescribeGroups (classic) answers a share group as an unknown id before v6: Dead, no error.
        var classic = Assert.Single(Call<DescribeGroupsResponse>(broker.Port, new DescribeGroupsRequest { Groups = ["sg"] }, 5).Groups);
        Assert.Equal((0, "Dead"), ((int)classic.ErrorCode, classic.GroupState));

        var deleteBusy = Call<DeleteGroupsResponse>(broker.Port, new DeleteGroupsRequest { GroupsNames = ["sg"] }, 2);
        Assert.Equal((short)KafkaError.NonEmptyGroup, Assert.Single(deleteBusy.Results).ErrorCode);
        Assert.Equal(-1, Heartbeat(broker.Port, "sg", "member-a", -1).MemberEpoch);
        Assert.Equal(-1, Heartbeat(broker.Port, "sg", "member-b", -1).MemberEpoch);
        Assert.Equal((short)KafkaError.UnknownMemberId, Heartbeat(broker.Port, "sg", "member-b", 3).ErrorCode);
        Assert.Equal("Empty", Assert.Single(Call<ListGroupsResponse>(broker.Port, new ListGroupsRequest { TypesFilter = ["share"] }, 5).Groups).GroupState);
        var deleted = Call<DeleteGroupsResponse>(broker.Port, new DeleteGroupsRequest { GroupsNames = ["sg"] }, 2);
        Assert.Equal(0, Assert.Single(deleted.Results).ErrorCode);
        Assert.Empty(Call<ListGroupsResponse>(broker.Port, new ListGroupsRequest { TypesFilter = ["share"] }, 5).Groups);
    }

    [Fact]
    public async Task Heartbeat_errors_are_Kafkas()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        Assert.Equal(0, SetShareVersion(broker.Port, 1));
        Assert.Equal((short)KafkaError.InvalidRequest, Heartbeat(broker.Port, "g", "", 0, "t").ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, Heartbeat(broker.Port, "g", "m", 0).ErrorCode);
        Assert.Equal((short)KafkaError.InvalidRequest, Heartbeat(broker.Port, "", "m", 0, "t").ErrorCode);
        Assert.Equal((short)KafkaError.GroupIdNotFound, Heartbeat(broker.Port, "g", "m", 4).ErrorCode);
        var joined = Heartbeat(broker.Port, "g", "m", 0, "t");
        Assert.Equal(0, joined.ErrorCode);
        Assert.Equal((short)KafkaError.FencedMemberEpoch, Heartbeat(broker.Port, "g", "m", joined.MemberEpoch + 5).ErrorCode);
    }

    [Fact]
    public async Task A_share_groups_id_is_refused_by_the_classic_and_consumer_protocols()
    {
        await using var broker = new GroupTestBroker(partitions: 1);
        await broker.StartAsync();
        Assert.Equal(0, SetShareVersion(broker.Port, 1));
        await CreateTopicWithRecords(broker, "share-kinds", 0);
        Assert.Equal(0, Heartbeat(broker.Port, "sg-kind", "member-a", 0, "share-kinds").ErrorCode);

        var join = Call<JoinGroupResponse>(broker.Port, new JoinGroupRequest
        {
            GroupId = "sg-kind", SessionTimeoutMs = 10_000, RebalanceTimeoutMs = 10_000, MemberId = "", ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = [] }],
        }, 9);
        Assert.Equal(((short)KafkaError.GroupIdNotFound, -1), (join.ErrorCode, join.GenerationId));
        var consumer = Call<ConsumerGroupHeartbeatResponse>(broker.Port, new ConsumerGroupHeartbeatRequest
        {
            GroupId = "sg-kind", MemberId = "c1", MemberEpoch = 0, RebalanceTimeoutMs = 10_000, SubscribedTopicNames = ["share-kinds"], TopicPartitions = [],
        }, 1);
        Assert.Equal((short)KafkaError.GroupIdNotFound, consumer.ErrorCode);
        Assert.Equal("Group sg-kind is not a consumer group.", consumer.ErrorMessage);
        // The share group is untouched, and other ids still join.
        Assert.Equal("Stable", Assert.Single(Call<ShareGroupDescribeResponse>(broker.Port, new ShareGroupDescribeRequest { GroupIds = ["sg-kind"] }, 1).Groups).GroupState);
        Assert.Equal(0, Call<ConsumerGroupHeartbeatResponse>(broker.Port, new ConsumerGroupHeartbeatRequest
        {
            GroupId = "cg-kind", MemberId = "c1", MemberEpoch = 0, RebalanceTimeoutMs = 10_000, SubscribedTopicNames = ["share-kinds"], TopicPartitions = [],
        }, 1).ErrorCode);
    }
}
