using System.Globalization;
using System.Text;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// Kafka 4.3's ListOffsets v11, OffsetCommit/OffsetFetch v10, DescribeGroups v6, ConsumerGroupDescribe v1,
/// ListTransactions v2 and AlterPartitionReassignments v1 (InitProducerId v6 stays unadvertised), over raw frames.
/// </summary>
[Collection("broker")]
public class Kafka43GroupAndAdminVersionsTests(BrokerFixture broker)
{
    private static T Call<T>(RawClient c, IKafkaMessage request, short version) where T : IKafkaMessage, new() =>
        c.Receive<T>(c.Send(request, version), version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));

    private static Guid CreateTopic(RawClient c, string topic)
    {
        var r = Call<MetadataResponse>(c, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = true }, 12);
        var t = Assert.Single(r.Topics);
        Assert.Equal(0, t.ErrorCode);
        return t.TopicId;
    }

    private static void Produce(RawClient c, Guid id, int records)
    {
        using var builder = new RecordBatchBuilder(CompressionType.None);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < records; i++) builder.Append(now, null, Encoding.UTF8.GetBytes("v" + i.ToString(CultureInfo.InvariantCulture)), []);
        var r = Call<ProduceResponse>(c, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 10_000,
            TopicData = [new ProduceRequest.TopicProduceData { TopicId = id, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = builder.ToArray() }] }],
        }, 13);
        Assert.Equal(0, Assert.Single(Assert.Single(r.Responses).PartitionResponses).ErrorCode);
    }

    [Fact]
    public void ApiVersions_advertises_the_4_3_group_and_admin_versions()
    {
        using var c = new RawClient(broker.Port);
        var r = Call<ApiVersionsResponse>(c, new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, 3);
        short Max(short key) => r.ApiKeys.Single(k => k.ApiKey == key).MaxVersion;
        Assert.Equal(11, Max(2));
        Assert.Equal(10, Max(8));
        Assert.Equal(10, Max(9));
        Assert.Equal(6, Max(15));
        Assert.Equal(5, Max(22)); // v6 is unstable in Kafka 4.3
        Assert.Equal(5, Max(28));
        Assert.Equal(1, Max(45));
        Assert.Equal(2, Max(66));
        Assert.Equal(1, Max(69));
    }

    [Fact]
    public void ListOffsets_v11_answers_earliest_pending_upload_and_latest_tiered_as_not_found()
    {
        using var c = new RawClient(broker.Port);
        Guid id = CreateTopic(c, "k43-list-offsets-v11");
        Produce(c, id, 3);
        long[] specs = [-1, -2, -4, -5, -6];
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic
            {
                Name = "k43-list-offsets-v11",
                Partitions = [.. specs.Select(ts => new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = ts, CurrentLeaderEpoch = -1 })],
            }],
        };
        var r = Call<ListOffsetsResponse>(c, request, 11);
        var parts = Assert.Single(r.Topics).Partitions;
        Assert.Equal(specs.Length, parts.Count);
        Assert.All(parts, p => Assert.Equal(0, p.ErrorCode));
        Assert.Equal(new long[] { 3, 0, 0, -1, -1 }, parts.Select(p => p.Offset).ToArray());
        Assert.Equal(-1, parts[3].LeaderEpoch);
        Assert.Equal(-1, parts[4].LeaderEpoch);
        Assert.Equal(-1, parts[4].Timestamp);
    }

    [Fact]
    public void OffsetCommit_and_OffsetFetch_v10_name_topics_by_id()
    {
        using var c = new RawClient(broker.Port);
        Guid id = CreateTopic(c, "k43-offsets-v10");
        Guid unknown = Guid.NewGuid();
        string group = "k43-offsets-v10-group";
        var commit = new OffsetCommitRequest
        {
            GroupId = group,
            GenerationIdOrMemberEpoch = -1,
            MemberId = "",
            Topics =
            [
                new OffsetCommitRequest.OffsetCommitRequestTopic { TopicId = id, Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 2, CommittedMetadata = "m" }] },
                new OffsetCommitRequest.OffsetCommitRequestTopic { TopicId = unknown, Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 1 }] },
            ],
        };
        var committed = Call<OffsetCommitResponse>(c, commit, 10);
        Assert.Equal(2, committed.Topics.Count);
        Assert.Equal(0, committed.Topics.Single(t => t.TopicId == id).Partitions.Single().ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicId, committed.Topics.Single(t => t.TopicId == unknown).Partitions.Single().ErrorCode);

        var fetch = new OffsetFetchRequest
        {
            Groups = [new OffsetFetchRequest.OffsetFetchRequestGroup
            {
                GroupId = group,
                MemberEpoch = -1,
                Topics =
                [
                    new OffsetFetchRequest.OffsetFetchRequestTopics { TopicId = id, PartitionIndexes = [0] },
                    new OffsetFetchRequest.OffsetFetchRequestTopics { TopicId = unknown, PartitionIndexes = [0, 1] },
                ],
            }],
        };
        var fetched = Assert.Single(Call<OffsetFetchResponse>(c, fetch, 10).Groups);
        Assert.Equal(0, fetched.ErrorCode);
        var known = fetched.Topics.Single(t => t.TopicId == id).Partitions.Single();
        Assert.Equal((0, 2L, "m"), ((int)known.ErrorCode, known.CommittedOffset, known.Metadata));
        var missing = fetched.Topics.Single(t => t.TopicId == unknown).Partitions;
        Assert.Equal(2, missing.Count);
        Assert.All(missing, p => Assert.Equal((short)ErrorCode.UnknownTopicId, p.ErrorCode));
        Assert.All(missing, p => Assert.Equal(-1, p.CommittedOffset));

        // All topics (null): each committed topic named by its id.
        fetch.Groups[0].Topics = null;
        var all = Assert.Single(Call<OffsetFetchResponse>(c, fetch, 10).Groups);
        var topic = Assert.Single(all.Topics);
        Assert.Equal(id, topic.TopicId);
        Assert.Equal(2, Assert.Single(topic.Partitions).CommittedOffset);
    }

    [Fact]
    public void DescribeGroups_v6_answers_GROUP_ID_NOT_FOUND_for_an_unknown_group_and_v5_Dead()
    {
        using var c = new RawClient(broker.Port);
        var request = new DescribeGroupsRequest { Groups = ["k43-no-such-group"] };
        var v6 = Assert.Single(Call<DescribeGroupsResponse>(c, request, 6).Groups);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, v6.ErrorCode);
        Assert.Equal("Group k43-no-such-group not found.", v6.ErrorMessage);
        Assert.Equal("Dead", v6.GroupState);
        var v5 = Assert.Single(Call<DescribeGroupsResponse>(c, request, 5).Groups);
        Assert.Equal(0, v5.ErrorCode);
        Assert.Equal("Dead", v5.GroupState);

        // A group with committed offsets exists (Empty): no error at v6.
        Guid id = CreateTopic(c, "k43-describe-v6");
        var commit = new OffsetCommitRequest
        {
            GroupId = "k43-describe-v6-group", GenerationIdOrMemberEpoch = -1, MemberId = "",
            Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic { TopicId = id, Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 0 }] }],
        };
        Assert.Equal(0, Call<OffsetCommitResponse>(c, commit, 10).Topics.Single().Partitions.Single().ErrorCode);
        var empty = Assert.Single(Call<DescribeGroupsResponse>(c, new DescribeGroupsRequest { Groups = ["k43-describe-v6-group"] }, 6).Groups);
        Assert.Equal(0, empty.ErrorCode);
        Assert.Null(empty.ErrorMessage);
        Assert.Equal("Empty", empty.GroupState);
    }

    [Fact]
    public void ConsumerGroupDescribe_v1_marks_members_as_consumer_members()
    {
        using var c = new RawClient(broker.Port);
        CreateTopic(c, "k43-cgd-v1");
        string group = "k43-cgd-v1-group";
        var hb = Call<ConsumerGroupHeartbeatResponse>(c, new ConsumerGroupHeartbeatRequest
        {
            GroupId = group,
            MemberId = Guid.NewGuid().ToString("N")[..22],
            MemberEpoch = 0,
            RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = ["k43-cgd-v1"],
            TopicPartitions = [],
        }, 0);
        Assert.Equal(0, hb.ErrorCode);
        var v1 = Assert.Single(Call<ConsumerGroupDescribeResponse>(c, new ConsumerGroupDescribeRequest { GroupIds = [group] }, 1).Groups);
        Assert.Equal(0, v1.ErrorCode);
        Assert.Equal(1, Assert.Single(v1.Members).MemberType);
        var v0 = Assert.Single(Call<ConsumerGroupDescribeResponse>(c, new ConsumerGroupDescribeRequest { GroupIds = [group] }, 0).Groups);
        Assert.Equal(-1, Assert.Single(v0.Members).MemberType); // not on the wire at v0: the default
    }

    [Fact]
    public void ListTransactions_v2_filters_by_a_whole_id_pattern()
    {
        using var c = new RawClient(broker.Port);
        string prefix = "k43-ltx-" + Guid.NewGuid().ToString("N")[..6];
        foreach (string suffix in new[] { "a", "b", "bb" })
        {
            var init = Call<InitProducerIdResponse>(c, new InitProducerIdRequest { TransactionalId = prefix + "-" + suffix, TransactionTimeoutMs = 60_000 }, 5);
            Assert.Equal(0, init.ErrorCode);
        }
        string[] Listed(string? pattern, short version = 2) =>
            [.. Call<ListTransactionsResponse>(c, new ListTransactionsRequest { DurationFilter = -1, TransactionalIdPattern = pattern }, version)
                .TransactionStates.Select(s => s.TransactionalId).Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

        Assert.Equal([prefix + "-a", prefix + "-b", prefix + "-bb"], Listed(null));
        Assert.Equal([prefix + "-a", prefix + "-b", prefix + "-bb"], Listed(""));
        Assert.Equal([prefix + "-b", prefix + "-bb"], Listed(prefix + "-b+"));
        Assert.Equal([prefix + "-b"], Listed(prefix + "-[b-z]")); // the whole id must match
        Assert.Empty(Listed("-b"));

        foreach (string bad in new[] { "(", "a)|(b", "[z-a]", @"(a)\1" })
        {
            var r = Call<ListTransactionsResponse>(c, new ListTransactionsRequest { DurationFilter = -1, TransactionalIdPattern = bad }, 2);
            Assert.Equal((short)ErrorCode.InvalidRegularExpression, r.ErrorCode);
            Assert.Empty(r.TransactionStates);
        }
    }

    [Fact]
    public void AlterPartitionReassignments_v1_refuses_a_replication_factor_change_when_disallowed()
    {
        using var c = new RawClient(broker.Port);
        CreateTopic(c, "k43-reassign-v1");
        int node = broker.Options.NodeId;
        AlterPartitionReassignmentsResponse Alter(bool allow, List<int>? replicas, short version) => Call<AlterPartitionReassignmentsResponse>(c, new AlterPartitionReassignmentsRequest
        {
            TimeoutMs = 10_000,
            AllowReplicationFactorChange = allow,
            Topics = [new AlterPartitionReassignmentsRequest.ReassignableTopic { Name = "k43-reassign-v1", Partitions = [new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = 0, Replicas = replicas }] }],
        }, version);

        var grow = Alter(false, [node, node + 1], 1);
        Assert.False(grow.AllowReplicationFactorChange);
        var p = Assert.Single(Assert.Single(grow.Responses).Partitions);
        Assert.Equal((short)ErrorCode.InvalidReplicationFactor, p.ErrorCode);
        Assert.Equal("The replication factor is changed from 1 to 2", p.ErrorMessage);

        var same = Alter(false, [node], 1);
        Assert.Equal(0, Assert.Single(Assert.Single(same.Responses).Partitions).ErrorCode);

        // Allowed: the list itself is checked (the other broker does not exist).
        var allowed = Alter(true, [node, node + 1], 1);
        Assert.True(allowed.AllowReplicationFactorChange);
        Assert.Equal((short)ErrorCode.InvalidReplicaAssignment, Assert.Single(Assert.Single(allowed.Responses).Partitions).ErrorCode);

        // Cancelling answers NO_REASSIGNMENT_IN_PROGRESS whatever the flag.
        Assert.Equal((short)ErrorCode.NoReassignmentInProgress, Assert.Single(Assert.Single(Alter(false, null, 1).Responses).Partitions).ErrorCode);
    }
}
