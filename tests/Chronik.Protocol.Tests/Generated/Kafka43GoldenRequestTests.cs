using Chronik.Protocol.Messages;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

/// <summary>
/// Golden request frames for the versions Kafka 4.3 added, written out field by field from the 4.3 schemas
/// (../shared/kafka-protocol-4.3) with <see cref="HandFrame"/>, never encoded by our codec: each decodes to the
/// values it spells and re-encodes to the same bytes. All of them are flexible versions: request header v2,
/// compact strings and arrays, a tagged-field section closing every struct.
/// </summary>
public class Kafka43GoldenRequestTests
{
    private const string TopicIdHex = "5a1c0b7e-2d3f-4e5a-9b8c-7d6e5f4a3b2c";
    private static readonly Guid TopicId = Guid.Parse(TopicIdHex);

    [Fact]
    public void Produce_v13_names_its_topic_by_id()
    {
        byte[] batch = GoldenDecode.LibrdkafkaBatch();
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 0, apiVersion: 13, correlationId: 1, clientId: "golden")
            .CStr(null)                 // TransactionalId: null
            .I16(-1)                    // Acks: all in-sync replicas
            .I32(30_000)                // TimeoutMs
            .CArray(1)                  // TopicData: 1 topic
            .Uuid(TopicIdHex)           //   TopicId (v13 replaces Name)
            .CArray(1)                  //   PartitionData: 1 partition
            .I32(0)                     //     Index
            .CBytes(batch)              //     Records (compact records)
            .NoTags()                   //     PartitionProduceData tagged fields
            .NoTags()                   //   TopicProduceData tagged fields
            .NoTags()                   // request tagged fields
            .ToArray();
        var r = GoldenDecode.Request<ProduceRequest>(frame, 0, 13, 1);
        Assert.Null(r.TransactionalId);
        Assert.Equal((-1, 30_000), ((int)r.Acks, r.TimeoutMs));
        var t = Assert.Single(r.TopicData);
        Assert.Equal(TopicId, t.TopicId);
        Assert.Equal(batch, Assert.Single(t.PartitionData).Records!.Value.ToArray());
    }

    [Fact]
    public void Fetch_v18_carries_the_high_watermark_as_tagged_field_1()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 1, apiVersion: 18, correlationId: 2, clientId: "golden")
            .I32(500)                   // MaxWaitMs
            .I32(1)                     // MinBytes
            .I32(52_428_800)            // MaxBytes
            .I8(1)                      // IsolationLevel: read_committed
            .I32(0)                     // SessionId
            .I32(-1)                    // SessionEpoch: full fetch, no session
            .CArray(1)                  // Topics: 1
            .Uuid(TopicIdHex)           //   TopicId
            .CArray(1)                  //   Partitions: 1
            .I32(0)                     //     Partition
            .I32(0)                     //     CurrentLeaderEpoch
            .I64(10)                    //     FetchOffset
            .I32(-1)                    //     LastFetchedEpoch
            .I64(-1)                    //     LogStartOffset
            .I32(1_048_576)             //     PartitionMaxBytes
            .UVarint(1)                 //     tagged fields: 1
            .UVarint(1)                 //       tag 1: HighWatermark (v18)
            .UVarint(8)                 //       size: 8 bytes
            .I64(42)                    //       HighWatermark
            .NoTags()                   //   FetchTopic tagged fields
            .CArray(0)                  // ForgottenTopicsData: none
            .CStr("")                   // RackId
            .NoTags()                   // request tagged fields (no ClusterId, no ReplicaState)
            .ToArray();
        var r = GoldenDecode.Request<FetchRequest>(frame, 1, 18, 2);
        Assert.Equal((500, 1, 52_428_800, (sbyte)1), (r.MaxWaitMs, r.MinBytes, r.MaxBytes, r.IsolationLevel));
        var t = Assert.Single(r.Topics);
        Assert.Equal(TopicId, t.TopicId);
        var p = Assert.Single(t.Partitions);
        Assert.Equal((10L, 1_048_576, 42L), (p.FetchOffset, p.PartitionMaxBytes, p.HighWatermark));
        Assert.Empty(r.ForgottenTopicsData);
    }

    [Fact]
    public void Metadata_v13_asks_for_a_topic_by_name()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 3, apiVersion: 13, correlationId: 3, clientId: "golden")
            .CArray(1)                  // Topics: 1
            .Uuid("00000000-0000-0000-0000-000000000000") // TopicId: zero, the topic is named
            .CStr("orders")             //   Name
            .NoTags()                   //   MetadataRequestTopic tagged fields
            .Bool(false)                // AllowAutoTopicCreation
            .Bool(false)                // IncludeTopicAuthorizedOperations
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<MetadataRequest>(frame, 3, 13, 3);
        var t = Assert.Single(r.Topics!);
        Assert.Equal((Guid.Empty, "orders"), (t.TopicId, t.Name));
        Assert.False(r.AllowAutoTopicCreation);
    }

    [Fact]
    public void DescribeCluster_v2_asks_for_fenced_brokers()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 60, apiVersion: 2, correlationId: 4, clientId: "golden")
            .Bool(false)                // IncludeClusterAuthorizedOperations
            .I8(1)                      // EndpointType: 1 = brokers
            .Bool(true)                 // IncludeFencedBrokers (v2)
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<DescribeClusterRequest>(frame, 60, 2, 4);
        Assert.Equal((false, (sbyte)1, true), (r.IncludeClusterAuthorizedOperations, r.EndpointType, r.IncludeFencedBrokers));
    }

    [Fact]
    public void DescribeLogDirs_v5_asks_for_every_topic_with_a_null_array()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 35, apiVersion: 5, correlationId: 5, clientId: "golden")
            .UVarint(0)                 // Topics: null (compact length 0) = every topic
            .NoTags()
            .ToArray();
        Assert.Null(GoldenDecode.Request<DescribeLogDirsRequest>(frame, 35, 5, 5).Topics);
    }

    [Fact]
    public void ListConfigResources_v0_is_empty_and_v1_lists_resource_types()
    {
        byte[] v0 = new HandFrame()
            .RequestHeader(apiKey: 74, apiVersion: 0, correlationId: 6, clientId: "golden")
            .NoTags()                   // v0 has no fields: only the tagged-field section
            .ToArray();
        Assert.Empty(GoldenDecode.Request<ListConfigResourcesRequest>(v0, 74, 0, 6).ResourceTypes);

        byte[] v1 = new HandFrame()
            .RequestHeader(apiKey: 74, apiVersion: 1, correlationId: 7, clientId: "golden")
            .CArray(2)                  // ResourceTypes: 2
            .I8(2)                      //   TOPIC
            .I8(32)                     //   GROUP
            .NoTags()
            .ToArray();
        Assert.Equal(new sbyte[] { 2, 32 }, GoldenDecode.Request<ListConfigResourcesRequest>(v1, 74, 1, 7).ResourceTypes);
    }

    [Fact]
    public void EndTxn_v5_commits()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 26, apiVersion: 5, correlationId: 8, clientId: "golden")
            .CStr("txn-1")              // TransactionalId
            .I64(4000)                  // ProducerId
            .I16(3)                     // ProducerEpoch
            .Bool(true)                 // Committed
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<EndTxnRequest>(frame, 26, 5, 8);
        Assert.Equal(("txn-1", 4000L, (short)3, true), (r.TransactionalId, r.ProducerId, r.ProducerEpoch, r.Committed));
    }

    [Fact]
    public void ListOffsets_v11_asks_for_the_earliest_pending_upload_offset()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 2, apiVersion: 11, correlationId: 9, clientId: "golden")
            .I32(-1)                    // ReplicaId: a consumer
            .I8(0)                      // IsolationLevel: read_uncommitted
            .CArray(1)                  // Topics: 1
            .CStr("orders")             //   Name
            .CArray(2)                  //   Partitions: 2
            .I32(0).I32(-1).I64(-6)     //     0: CurrentLeaderEpoch -1, Timestamp -6 (EARLIEST_PENDING_UPLOAD, v11)
            .NoTags()
            .I32(1).I32(-1).I64(-5)     //     1: Timestamp -5 (LATEST_TIERED)
            .NoTags()
            .NoTags()                   //   ListOffsetsTopic tagged fields
            .I32(30_000)                // TimeoutMs
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<ListOffsetsRequest>(frame, 2, 11, 9);
        var t = Assert.Single(r.Topics);
        Assert.Equal("orders", t.Name);
        Assert.Equal(new long[] { -6, -5 }, t.Partitions.Select(p => p.Timestamp).ToArray());
        Assert.Equal(30_000, r.TimeoutMs);
    }

    [Fact]
    public void OffsetCommit_v10_names_topics_by_id()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 8, apiVersion: 10, correlationId: 10, clientId: "golden")
            .CStr("g1")                 // GroupId
            .I32(5)                     // GenerationIdOrMemberEpoch
            .CStr("m-1")                // MemberId
            .CStr(null)                 // GroupInstanceId: null
            .CArray(1)                  // Topics: 1
            .Uuid(TopicIdHex)           //   TopicId (v10 replaces Name)
            .CArray(1)                  //   Partitions: 1
            .I32(0)                     //     PartitionIndex
            .I64(42)                    //     CommittedOffset
            .I32(3)                     //     CommittedLeaderEpoch
            .CStr("meta")               //     CommittedMetadata
            .NoTags()
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<OffsetCommitRequest>(frame, 8, 10, 10);
        Assert.Equal(("g1", 5, "m-1"), (r.GroupId, r.GenerationIdOrMemberEpoch, r.MemberId));
        var t = Assert.Single(r.Topics);
        Assert.Equal(TopicId, t.TopicId);
        var p = Assert.Single(t.Partitions);
        Assert.Equal((42L, 3, "meta"), (p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata));
    }

    [Fact]
    public void OffsetFetch_v10_names_topics_by_id()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 9, apiVersion: 10, correlationId: 11, clientId: "golden")
            .CArray(1)                  // Groups: 1
            .CStr("g1")                 //   GroupId
            .CStr("m-1")                //   MemberId
            .I32(5)                     //   MemberEpoch
            .CArray(1)                  //   Topics: 1
            .Uuid(TopicIdHex)           //     TopicId (v10 replaces Name)
            .CArray(2).I32(0).I32(1)    //     PartitionIndexes: [0, 1]
            .NoTags()
            .NoTags()                   //   OffsetFetchRequestGroup tagged fields
            .Bool(true)                 // RequireStable
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<OffsetFetchRequest>(frame, 9, 10, 11);
        var g = Assert.Single(r.Groups);
        Assert.Equal(("g1", "m-1", 5), (g.GroupId, g.MemberId, g.MemberEpoch));
        var t = Assert.Single(g.Topics!);
        Assert.Equal(TopicId, t.TopicId);
        Assert.Equal([0, 1], t.PartitionIndexes);
        Assert.True(r.RequireStable);
    }

    [Fact]
    public void DescribeGroups_v6_and_ConsumerGroupDescribe_v1()
    {
        byte[] describe = new HandFrame()
            .RequestHeader(apiKey: 15, apiVersion: 6, correlationId: 12, clientId: "golden")
            .CArray(1).CStr("g1")       // Groups: ["g1"]
            .Bool(false)                // IncludeAuthorizedOperations
            .NoTags()
            .ToArray();
        Assert.Equal(["g1"], GoldenDecode.Request<DescribeGroupsRequest>(describe, 15, 6, 12).Groups);

        byte[] consumer = new HandFrame()
            .RequestHeader(apiKey: 69, apiVersion: 1, correlationId: 13, clientId: "golden")
            .CArray(1).CStr("g1")       // GroupIds: ["g1"]
            .Bool(true)                 // IncludeAuthorizedOperations
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<ConsumerGroupDescribeRequest>(consumer, 69, 1, 13);
        Assert.Equal(["g1"], r.GroupIds);
        Assert.True(r.IncludeAuthorizedOperations);
    }

    [Fact]
    public void ListTransactions_v2_filters_by_a_pattern()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 66, apiVersion: 2, correlationId: 14, clientId: "golden")
            .CArray(1).CStr("Ongoing")  // StateFilters: ["Ongoing"]
            .CArray(0)                  // ProducerIdFilters: none
            .I64(-1)                    // DurationFilter: none
            .CStr("txn-.*")             // TransactionalIdPattern (v2)
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<ListTransactionsRequest>(frame, 66, 2, 14);
        Assert.Equal(["Ongoing"], r.StateFilters);
        Assert.Equal((-1L, "txn-.*"), (r.DurationFilter, r.TransactionalIdPattern));
    }

    [Fact]
    public void InitProducerId_v6_asks_for_two_phase_commit()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 22, apiVersion: 6, correlationId: 15, clientId: "golden")
            .CStr("txn-1")              // TransactionalId
            .I32(60_000)                // TransactionTimeoutMs
            .I64(-1)                    // ProducerId: none yet
            .I16(-1)                    // ProducerEpoch: none yet
            .Bool(true)                 // Enable2Pc (v6)
            .Bool(false)                // KeepPreparedTxn (v6)
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<InitProducerIdRequest>(frame, 22, 6, 15);
        Assert.Equal(("txn-1", 60_000, -1L, (short)-1), (r.TransactionalId, r.TransactionTimeoutMs, r.ProducerId, r.ProducerEpoch));
        Assert.Equal((true, false), (r.Enable2Pc, r.KeepPreparedTxn));
    }

    [Fact]
    public void AlterPartitionReassignments_v1_disallows_a_replication_factor_change()
    {
        byte[] frame = new HandFrame()
            .RequestHeader(apiKey: 45, apiVersion: 1, correlationId: 16, clientId: "golden")
            .I32(60_000)                // TimeoutMs
            .Bool(false)                // AllowReplicationFactorChange (v1)
            .CArray(1)                  // Topics: 1
            .CStr("orders")             //   Name
            .CArray(1)                  //   Partitions: 1
            .I32(0)                     //     PartitionIndex
            .CArray(2).I32(1).I32(2)    //     Replicas: [1, 2]
            .NoTags()
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Request<AlterPartitionReassignmentsRequest>(frame, 45, 1, 16);
        Assert.False(r.AllowReplicationFactorChange);
        var p = Assert.Single(Assert.Single(r.Topics).Partitions);
        Assert.Equal([1, 2], p.Replicas!);
    }
}
