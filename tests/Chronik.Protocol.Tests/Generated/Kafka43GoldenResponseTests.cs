using Chronik.Protocol.Messages;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

/// <summary>
/// Golden response frames for the versions Kafka 4.3 added, written out field by field from the 4.3 schemas with
/// <see cref="HandFrame"/> (response header v1: correlation id, tagged fields), never encoded by our codec: each
/// decodes to the values it spells and re-encodes to the same bytes, which is what the broker sends.
/// </summary>
public class Kafka43GoldenResponseTests
{
    private const string TopicIdHex = "5a1c0b7e-2d3f-4e5a-9b8c-7d6e5f4a3b2c";
    private const string OtherIdHex = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    private static readonly Guid TopicId = Guid.Parse(TopicIdHex);

    [Fact]
    public void Produce_v13_answers_by_topic_id()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(1)
            .CArray(1)                  // Responses: 1 topic
            .Uuid(TopicIdHex)           //   TopicId (v13 replaces Name)
            .CArray(2)                  //   PartitionResponses: 2
            .I32(0)                     //     Index 0
            .I16(0)                     //     ErrorCode: NONE
            .I64(5)                     //     BaseOffset
            .I64(-1)                    //     LogAppendTimeMs: CreateTime topic
            .I64(0)                     //     LogStartOffset
            .CArray(0)                  //     RecordErrors: none
            .CStr(null)                 //     ErrorMessage: null
            .NoTags()                   //     (no CurrentLeader)
            .I32(1)                     //     Index 1
            .I16(100)                   //     ErrorCode: UNKNOWN_TOPIC_ID
            .I64(-1).I64(-1).I64(-1)    //     BaseOffset, LogAppendTimeMs, LogStartOffset
            .CArray(0)
            .CStr(null)
            .NoTags()
            .NoTags()                   //   TopicProduceResponse tagged fields
            .I32(0)                     // ThrottleTimeMs
            .NoTags()                   // (no NodeEndpoints)
            .ToArray();
        var r = GoldenDecode.Response<ProduceResponse>(frame, 13, 1);
        var t = Assert.Single(r.Responses);
        Assert.Equal(TopicId, t.TopicId);
        Assert.Equal(new[] { (0, (short)0, 5L), (1, (short)100, -1L) }, t.PartitionResponses.Select(p => (p.Index, p.ErrorCode, p.BaseOffset)).ToArray());
    }

    [Fact]
    public void Fetch_v18_returns_records_by_topic_id()
    {
        byte[] batch = GoldenDecode.LibrdkafkaBatch();
        byte[] frame = new HandFrame()
            .ResponseHeader(2)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .I32(0)                     // SessionId: no session
            .CArray(1)                  // Responses: 1
            .Uuid(TopicIdHex)           //   TopicId
            .CArray(1)                  //   Partitions: 1
            .I32(0)                     //     PartitionIndex
            .I16(0)                     //     ErrorCode
            .I64(42)                    //     HighWatermark
            .I64(42)                    //     LastStableOffset
            .I64(0)                     //     LogStartOffset
            .CArray(0)                  //     AbortedTransactions: empty
            .I32(-1)                    //     PreferredReadReplica: none
            .CBytes(batch)              //     Records
            .NoTags()
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<FetchResponse>(frame, 18, 2);
        var p = Assert.Single(Assert.Single(r.Responses).Partitions);
        Assert.Equal((42L, 42L, 0L), (p.HighWatermark, p.LastStableOffset, p.LogStartOffset));
        Assert.Equal(batch, p.Records!.Value.ToArray());
    }

    [Fact]
    public void Metadata_v13_ends_with_a_top_level_error_code()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(3)
            .I32(0)                     // ThrottleTimeMs
            .CArray(1)                  // Brokers: 1
            .I32(1)                     //   NodeId
            .CStr("127.0.0.1")          //   Host
            .I32(9092)                  //   Port
            .CStr(null)                 //   Rack
            .NoTags()
            .CStr("chronik-cluster")    // ClusterId
            .I32(1)                     // ControllerId
            .CArray(1)                  // Topics: 1
            .I16(0)                     //   ErrorCode
            .CStr("orders")             //   Name
            .Uuid(TopicIdHex)           //   TopicId
            .Bool(false)                //   IsInternal
            .CArray(1)                  //   Partitions: 1
            .I16(0)                     //     ErrorCode
            .I32(0)                     //     PartitionIndex
            .I32(1)                     //     LeaderId
            .I32(0)                     //     LeaderEpoch
            .CArray(1).I32(1)           //     ReplicaNodes: [1]
            .CArray(1).I32(1)           //     IsrNodes: [1]
            .CArray(0)                  //     OfflineReplicas: []
            .NoTags()
            .I32(int.MinValue)          //   TopicAuthorizedOperations: not requested
            .NoTags()
            .I16(0)                     // ErrorCode (v13): NONE
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<MetadataResponse>(frame, 13, 3);
        Assert.Equal(("127.0.0.1", 9092), (Assert.Single(r.Brokers).Host, r.Brokers[0].Port));
        Assert.Equal(("chronik-cluster", 1, (short)0), (r.ClusterId, r.ControllerId, r.ErrorCode));
        var t = Assert.Single(r.Topics);
        Assert.Equal(("orders", TopicId), (t.Name, t.TopicId));
        Assert.Equal([1], Assert.Single(t.Partitions).IsrNodes);
    }

    [Fact]
    public void DescribeCluster_v2_marks_brokers_fenced_or_not()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(4)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .CStr(null)                 // ErrorMessage
            .I8(1)                      // EndpointType: brokers
            .CStr("chronik-cluster")    // ClusterId
            .I32(1)                     // ControllerId
            .CArray(1)                  // Brokers: 1
            .I32(1)                     //   BrokerId
            .CStr("127.0.0.1")          //   Host
            .I32(9092)                  //   Port
            .CStr(null)                 //   Rack
            .Bool(false)                //   IsFenced (v2)
            .NoTags()
            .I32(int.MinValue)          // ClusterAuthorizedOperations: not requested
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<DescribeClusterResponse>(frame, 2, 4);
        var b = Assert.Single(r.Brokers);
        Assert.Equal((1, 9092, false), (b.BrokerId, b.Port, b.IsFenced));
    }

    [Fact]
    public void DescribeLogDirs_v5_says_whether_a_dir_is_cordoned()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(5)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .CArray(1)                  // Results: 1 log dir
            .I16(0)                     //   ErrorCode
            .CStr("/var/lib/chronik")   //   LogDir
            .CArray(1)                  //   Topics: 1
            .CStr("orders")             //     Name
            .CArray(1)                  //     Partitions: 1
            .I32(0)                     //       PartitionIndex
            .I64(1821)                  //       PartitionSize
            .I64(0)                     //       OffsetLag
            .Bool(false)                //       IsFutureKey
            .NoTags()
            .NoTags()
            .I64(107_374_182_400)       //   TotalBytes
            .I64(53_687_091_200)        //   UsableBytes
            .Bool(false)                //   IsCordoned (v5)
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<DescribeLogDirsResponse>(frame, 5, 5);
        var d = Assert.Single(r.Results);
        Assert.Equal(("/var/lib/chronik", 107_374_182_400L, false), (d.LogDir, d.TotalBytes, d.IsCordoned));
        Assert.Equal(1821, Assert.Single(Assert.Single(d.Topics).Partitions).PartitionSize);
    }

    [Fact]
    public void ListConfigResources_v0_names_and_v1_names_with_types()
    {
        byte[] v0 = new HandFrame()
            .ResponseHeader(6)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .CArray(1)                  // ConfigResources: 1
            .CStr("metrics-sub")        //   ResourceName (v0: client-metrics resources only, no type)
            .NoTags()
            .NoTags()
            .ToArray();
        Assert.Equal("metrics-sub", Assert.Single(GoldenDecode.Response<ListConfigResourcesResponse>(v0, 0, 6).ConfigResources).ResourceName);

        byte[] v1 = new HandFrame()
            .ResponseHeader(7)
            .I32(0)
            .I16(0)
            .CArray(2)                  // ConfigResources: 2
            .CStr("g1").I8(32)          //   ResourceName, ResourceType (v1): GROUP
            .NoTags()
            .CStr("orders").I8(2)       //   TOPIC
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<ListConfigResourcesResponse>(v1, 1, 7);
        Assert.Equal(new[] { ("g1", (sbyte)32), ("orders", (sbyte)2) }, r.ConfigResources.Select(c => (c.ResourceName, c.ResourceType)).ToArray());
    }

    [Fact]
    public void EndTxn_v5_returns_the_bumped_epoch()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(8)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .I64(4000)                  // ProducerId (v5)
            .I16(4)                     // ProducerEpoch (v5): bumped at the commit
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<EndTxnResponse>(frame, 5, 8);
        Assert.Equal((4000L, (short)4), (r.ProducerId, r.ProducerEpoch));
    }

    [Fact]
    public void ListOffsets_v11_answers_not_found()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(9)
            .I32(0)                     // ThrottleTimeMs
            .CArray(1)                  // Topics: 1
            .CStr("orders")             //   Name
            .CArray(1)                  //   Partitions: 1
            .I32(0)                     //     PartitionIndex
            .I16(0)                     //     ErrorCode
            .I64(-1)                    //     Timestamp
            .I64(-1)                    //     Offset: none pending upload
            .I32(-1)                    //     LeaderEpoch
            .NoTags()
            .NoTags()
            .NoTags()
            .ToArray();
        var p = Assert.Single(Assert.Single(GoldenDecode.Response<ListOffsetsResponse>(frame, 11, 9).Topics).Partitions);
        Assert.Equal((-1L, -1L, -1), (p.Timestamp, p.Offset, p.LeaderEpoch));
    }

    [Fact]
    public void OffsetCommit_v10_answers_by_topic_id()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(10)
            .I32(0)                     // ThrottleTimeMs
            .CArray(2)                  // Topics: 2
            .Uuid(TopicIdHex)           //   TopicId
            .CArray(1).I32(0).I16(0)    //   Partitions: [0: NONE]
            .NoTags()
            .NoTags()
            .Uuid(OtherIdHex)           //   TopicId no topic has
            .CArray(1).I32(0).I16(100)  //   Partitions: [0: UNKNOWN_TOPIC_ID]
            .NoTags()
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<OffsetCommitResponse>(frame, 10, 10);
        Assert.Equal(new[] { (TopicId, (short)0), (Guid.Parse(OtherIdHex), (short)100) }, r.Topics.Select(t => (t.TopicId, t.Partitions.Single().ErrorCode)).ToArray());
    }

    [Fact]
    public void OffsetFetch_v10_answers_by_topic_id()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(11)
            .I32(0)                     // ThrottleTimeMs
            .CArray(1)                  // Groups: 1
            .CStr("g1")                 //   GroupId
            .CArray(1)                  //   Topics: 1
            .Uuid(TopicIdHex)           //     TopicId (v10 replaces Name)
            .CArray(2)                  //     Partitions: 2
            .I32(0)                     //       PartitionIndex
            .I64(42)                    //       CommittedOffset
            .I32(3)                     //       CommittedLeaderEpoch
            .CStr("meta")               //       Metadata
            .I16(0)                     //       ErrorCode
            .NoTags()
            .I32(1).I64(-1).I32(-1).CStr("").I16(0) // partition 1: nothing committed
            .NoTags()
            .NoTags()
            .I16(0)                     //   ErrorCode (group)
            .NoTags()
            .NoTags()
            .ToArray();
        var g = Assert.Single(GoldenDecode.Response<OffsetFetchResponse>(frame, 10, 11).Groups);
        var t = Assert.Single(g.Topics);
        Assert.Equal(TopicId, t.TopicId);
        Assert.Equal(new[] { 42L, -1L }, t.Partitions.Select(p => p.CommittedOffset).ToArray());
    }

    [Fact]
    public void DescribeGroups_v6_answers_GROUP_ID_NOT_FOUND_with_a_message()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(12)
            .I32(0)                     // ThrottleTimeMs
            .CArray(1)                  // Groups: 1
            .I16(69)                    //   ErrorCode: GROUP_ID_NOT_FOUND
            .CStr("Group g1 not found.") // ErrorMessage (v6)
            .CStr("g1")                 //   GroupId
            .CStr("Dead")               //   GroupState
            .CStr("")                   //   ProtocolType
            .CStr("")                   //   ProtocolData
            .CArray(0)                  //   Members: none
            .I32(int.MinValue)          //   AuthorizedOperations: not requested
            .NoTags()
            .NoTags()
            .ToArray();
        var d = Assert.Single(GoldenDecode.Response<DescribeGroupsResponse>(frame, 6, 12).Groups);
        Assert.Equal(((short)69, "Group g1 not found.", "Dead"), (d.ErrorCode, d.ErrorMessage, d.GroupState));
    }

    [Fact]
    public void ConsumerGroupDescribe_v1_gives_each_member_a_type()
    {
        HandFrame Assignment(HandFrame f) => f
            .CArray(1)                  // TopicPartitions: 1
            .Uuid(TopicIdHex)           //   TopicId
            .CStr("orders")             //   TopicName
            .CArray(1).I32(0)           //   Partitions: [0]
            .NoTags()
            .NoTags();                  // Assignment tagged fields
        var frame = new HandFrame()
            .ResponseHeader(13)
            .I32(0)                     // ThrottleTimeMs
            .CArray(1)                  // Groups: 1
            .I16(0)                     //   ErrorCode
            .CStr(null)                 //   ErrorMessage
            .CStr("g1")                 //   GroupId
            .CStr("Stable")             //   GroupState
            .I32(3)                     //   GroupEpoch
            .I32(3)                     //   AssignmentEpoch
            .CStr("uniform")            //   AssignorName
            .CArray(1)                  //   Members: 1
            .CStr("member-1")           //     MemberId
            .CStr(null)                 //     InstanceId
            .CStr(null)                 //     RackId
            .I32(3)                     //     MemberEpoch
            .CStr("client-1")           //     ClientId
            .CStr("/127.0.0.1")         //     ClientHost
            .CArray(1).CStr("orders")   //     SubscribedTopicNames
            .CStr(null);                //     SubscribedTopicRegex
        frame = Assignment(frame);      //     Assignment
        frame = Assignment(frame);      //     TargetAssignment
        byte[] bytes = frame
            .I8(1)                      //     MemberType (v1): 1 = consumer
            .NoTags()
            .I32(int.MinValue)          //   AuthorizedOperations
            .NoTags()
            .NoTags()
            .ToArray();
        var g = Assert.Single(GoldenDecode.Response<ConsumerGroupDescribeResponse>(bytes, 1, 13).Groups);
        var m = Assert.Single(g.Members);
        Assert.Equal(("member-1", 3, (sbyte)1), (m.MemberId, m.MemberEpoch, m.MemberType));
        Assert.Equal(TopicId, Assert.Single(m.TargetAssignment.TopicPartitions).TopicId);
    }

    [Fact]
    public void ListTransactions_v2_lists_or_refuses_the_pattern()
    {
        byte[] listed = new HandFrame()
            .ResponseHeader(14)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .CArray(0)                  // UnknownStateFilters
            .CArray(1)                  // TransactionStates: 1
            .CStr("txn-1")              //   TransactionalId
            .I64(4000)                  //   ProducerId
            .CStr("Ongoing")            //   TransactionState
            .NoTags()
            .NoTags()
            .ToArray();
        var s = Assert.Single(GoldenDecode.Response<ListTransactionsResponse>(listed, 2, 14).TransactionStates);
        Assert.Equal(("txn-1", 4000L, "Ongoing"), (s.TransactionalId, s.ProducerId, s.TransactionStateValue));

        byte[] refused = new HandFrame()
            .ResponseHeader(15)
            .I32(0)
            .I16(119)                   // ErrorCode: INVALID_REGULAR_EXPRESSION
            .CArray(0)
            .CArray(0)
            .NoTags()
            .ToArray();
        Assert.Equal(119, GoldenDecode.Response<ListTransactionsResponse>(refused, 2, 15).ErrorCode);
    }

    [Fact]
    public void InitProducerId_v6_reports_no_ongoing_transaction()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(16)
            .I32(0)                     // ThrottleTimeMs
            .I16(0)                     // ErrorCode
            .I64(4000)                  // ProducerId
            .I16(0)                     // ProducerEpoch
            .I64(-1)                    // OngoingTxnProducerId (v6): none
            .I16(-1)                    // OngoingTxnProducerEpoch (v6): none
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<InitProducerIdResponse>(frame, 6, 16);
        Assert.Equal((4000L, (short)0, -1L, (short)-1), (r.ProducerId, r.ProducerEpoch, r.OngoingTxnProducerId, r.OngoingTxnProducerEpoch));
    }

    [Fact]
    public void AlterPartitionReassignments_v1_echoes_the_flag()
    {
        byte[] frame = new HandFrame()
            .ResponseHeader(17)
            .I32(0)                     // ThrottleTimeMs
            .Bool(false)                // AllowReplicationFactorChange (v1)
            .I16(0)                     // ErrorCode
            .CStr(null)                 // ErrorMessage
            .CArray(1)                  // Responses: 1
            .CStr("orders")             //   Name
            .CArray(1)                  //   Partitions: 1
            .I32(0)                     //     PartitionIndex
            .I16(38)                    //     ErrorCode: INVALID_REPLICATION_FACTOR
            .CStr("The replication factor is changed from 1 to 2") // ErrorMessage
            .NoTags()
            .NoTags()
            .NoTags()
            .ToArray();
        var r = GoldenDecode.Response<AlterPartitionReassignmentsResponse>(frame, 1, 17);
        Assert.False(r.AllowReplicationFactorChange);
        Assert.Equal(38, Assert.Single(Assert.Single(r.Responses).Partitions).ErrorCode);
    }
}
