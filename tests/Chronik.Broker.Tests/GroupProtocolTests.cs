using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Every version of the group and offset APIs over raw frames: a whole member lifecycle per version.</summary>
public class GroupProtocolTests
{
    private static T Call<T>(RawClient c, IKafkaMessage request, short version) where T : IKafkaMessage, new() =>
        c.Receive<T>(c.Send(request, version), version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));

    [Fact]
    public async Task Join_sync_heartbeat_commit_fetch_leave_at_every_version()
    {
        await using var broker = new GroupTestBroker(initialRebalanceDelayMs: 0);
        await broker.StartAsync();
        broker.Services.GetRequiredService<TopicManager>().Create("raw-t", 2, 1, null, validateOnly: false);
        using var c = new RawClient(broker.Port);

        for (short v = 0; v <= 9; v++)
        {
            string group = "raw-v" + v;
            var find = Call<FindCoordinatorResponse>(c, v >= 4 ? new FindCoordinatorRequest { CoordinatorKeys = [group] } : new FindCoordinatorRequest { Key = group }, Math.Min(v, (short)6));
            if (v >= 4) Assert.Equal(broker.Port, Assert.Single(find.Coordinators).Port);
            else Assert.Equal(broker.Port, find.Port);

            var join = new JoinGroupRequest { GroupId = group, SessionTimeoutMs = 10_000, RebalanceTimeoutMs = v >= 1 ? 10_000 : -1, ProtocolType = "consumer" };
            join.Protocols.Add(new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = [0, 1] });
            var joined = Call<JoinGroupResponse>(c, join, v);
            if (v >= 4)
            {
                Assert.Equal((short)ErrorCode.MemberIdRequired, joined.ErrorCode);
                join.MemberId = joined.MemberId;
                joined = Call<JoinGroupResponse>(c, join, v);
            }
            Assert.Equal(0, joined.ErrorCode);
            Assert.Equal(1, joined.GenerationId);
            Assert.Equal(joined.MemberId, joined.Leader);
            Assert.Equal("range", joined.ProtocolName);
            if (v >= 7) Assert.Equal("consumer", joined.ProtocolType);
            string member = joined.MemberId;

            var sync = new SyncGroupRequest { GroupId = group, GenerationId = 1, MemberId = member };
            if (v >= 5)
            {
                sync.ProtocolType = "consumer";
                sync.ProtocolName = "range";
            }
            sync.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = member, Assignment = [4, 2] });
            var synced = Call<SyncGroupResponse>(c, sync, Math.Min(v, (short)5));
            Assert.Equal(0, synced.ErrorCode);
            Assert.Equal([4, 2], synced.Assignment);

            var hb = Call<HeartbeatResponse>(c, new HeartbeatRequest { GroupId = group, GenerationId = 1, MemberId = member }, Math.Min(v, (short)4));
            Assert.Equal(0, hb.ErrorCode);

            // v0 has no generation: a standalone commit, refused while the group has a member.
            var commit = v >= 1 ? new OffsetCommitRequest { GroupId = group, GenerationIdOrMemberEpoch = 1, MemberId = member } : new OffsetCommitRequest { GroupId = group };
            commit.Topics.Add(new OffsetCommitRequest.OffsetCommitRequestTopic
            {
                Name = "raw-t",
                Partitions = [new() { PartitionIndex = 1, CommittedOffset = 10 + v, CommittedMetadata = "m" }],
            });
            var committed = Call<OffsetCommitResponse>(c, commit, v);
            if (v == 0)
            {
                Assert.Equal((short)ErrorCode.UnknownMemberId, committed.Topics[0].Partitions[0].ErrorCode);
                committed = Call<OffsetCommitResponse>(c, new OffsetCommitRequest { GroupId = group, GenerationIdOrMemberEpoch = 1, MemberId = member, Topics = commit.Topics }, 1);
            }
            Assert.Equal(0, committed.Topics[0].Partitions[0].ErrorCode);

            if (v <= 7)
            {
                var fetch = new OffsetFetchRequest { GroupId = group, Topics = [new() { Name = "raw-t", PartitionIndexes = [0, 1] }] };
                var fetched = Call<OffsetFetchResponse>(c, fetch, v);
                Assert.Equal([-1L, 10L + v], fetched.Topics[0].Partitions.Select(p => p.CommittedOffset));
                Assert.Equal("m", fetched.Topics[0].Partitions[1].Metadata);
            }
            else
            {
                var fetch = new OffsetFetchRequest { Groups = [new() { GroupId = group, Topics = null }, new() { GroupId = "nobody", Topics = [new() { Name = "raw-t", PartitionIndexes = [0] }] }] };
                var fetched = Call<OffsetFetchResponse>(c, fetch, v);
                Assert.Equal(10L + v, fetched.Groups[0].Topics.Single().Partitions.Single().CommittedOffset);
                Assert.Equal(-1L, fetched.Groups[1].Topics.Single().Partitions.Single().CommittedOffset);
            }

            short dv = Math.Min(v, (short)5);
            var described = Call<DescribeGroupsResponse>(c, new DescribeGroupsRequest { Groups = [group], IncludeAuthorizedOperations = dv >= 3 }, dv);
            var d = Assert.Single(described.Groups);
            Assert.Equal("Stable", d.GroupState);
            // Kafka 4.0's group operations: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (all allowed, no authorizer).
            if (dv >= 3) Assert.Equal((1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11), d.AuthorizedOperations);
            Assert.Equal([4, 2], Assert.Single(d.Members).MemberAssignment);
            Assert.StartsWith("/127.0.0.1", d.Members[0].ClientHost);
            Assert.Equal("raw-test", d.Members[0].ClientId);

            short lv = Math.Min(v, (short)5);
            var leave = new LeaveGroupRequest { GroupId = group, MemberId = lv < 3 ? member : "" };
            if (lv >= 3) leave.Members.Add(new LeaveGroupRequest.MemberIdentity { MemberId = member });
            var left = Call<LeaveGroupResponse>(c, leave, lv);
            Assert.Equal(0, left.ErrorCode);
            if (lv >= 3) Assert.Equal(0, Assert.Single(left.Members).ErrorCode);
        }

        for (short v = 0; v <= 5; v++)
        {
            var listed = Call<ListGroupsResponse>(c, new ListGroupsRequest { StatesFilter = v >= 4 ? ["Empty"] : [] }, v);
            Assert.Equal(10, listed.Groups.Count(g => g.GroupId.StartsWith("raw-v", StringComparison.Ordinal)));
            if (v >= 4) Assert.All(listed.Groups, g => Assert.Equal("Empty", g.GroupState));
            if (v >= 5) Assert.All(listed.Groups, g => Assert.Equal("classic", g.GroupType));
        }

        var od = new OffsetDeleteRequest { GroupId = "raw-v0", Topics = [new() { Name = "raw-t", Partitions = [new() { PartitionIndex = 1 }, new() { PartitionIndex = 7 }] }] };
        var odr = Call<OffsetDeleteResponse>(c, od, 0);
        Assert.Equal([(short)0, (short)ErrorCode.UnknownTopicOrPartition], odr.Topics[0].Partitions.Select(p => p.ErrorCode));

        for (short v = 0; v <= 2; v++)
        {
            var deleted = Call<DeleteGroupsResponse>(c, new DeleteGroupsRequest { GroupsNames = ["raw-v" + v, "missing"] }, v);
            Assert.Equal([(short)0, (short)ErrorCode.GroupIdNotFound], deleted.Results.Select(r => r.ErrorCode));
        }
    }

    [Fact]
    public async Task Offsets_topic_is_hidden_from_metadata_but_found_by_name()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        using var c = new RawClient(broker.Port);
        var all = Call<MetadataResponse>(c, new MetadataRequest { Topics = null }, 12);
        Assert.DoesNotContain(all.Topics, t => t.Name == "__consumer_offsets");
        var named = Call<MetadataResponse>(c, new MetadataRequest { Topics = [new() { Name = "__consumer_offsets" }] }, 12);
        var t = Assert.Single(named.Topics);
        Assert.Equal(0, t.ErrorCode);
        Assert.True(t.IsInternal);
    }
}
