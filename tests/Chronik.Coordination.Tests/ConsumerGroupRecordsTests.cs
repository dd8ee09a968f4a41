using System.Buffers.Binary;
using System.Text;
using Chronik.Coordination.Groups;

namespace Chronik.Coordination.Tests;

/// <summary>
/// The KIP-848 offsets-log records hold Kafka's byte layouts: each expected frame is written out field by field from
/// Kafka 4.3's ConsumerGroup*Key/Value schemas (keys: int16 record type, then int16-length strings; values: int16
/// version 0, then the flexible fields: compact strings and arrays, a tagged-field section per struct), so Kafka's
/// own tools and coordinator read what Chronik writes, and Chronik reads what Kafka writes.
/// </summary>
public class ConsumerGroupRecordsTests
{
    private static readonly Guid TopicA = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid TopicB = new("00000000-0000-0000-0000-00000000000b");

    [Fact]
    public void Group_metadata_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(3).Str("grp").Bytes();
        Assert.Equal(key, ConsumerGroupRecords.Key(ConsumerRecordType.GroupMetadata, "grp", ""));
        Assert.Equal((ConsumerRecordType.GroupMetadata, "grp", ""), ConsumerGroupRecords.ReadKey(key));

        // Epoch, then MetadataHash as tagged field 0 (8 bytes), written only when it is not 0.
        var value = new Frame().I16(0).I32(7).UVar(1).UVar(0).UVar(8).I64(0x0102030405060708).Bytes();
        Assert.Equal(value, ConsumerGroupRecords.GroupValue(new StoredConsumerGroup(7, 0x0102030405060708)));
        Assert.Equal(new StoredConsumerGroup(7, 0x0102030405060708), ConsumerGroupRecords.ReadGroupValue(value));
        var noHash = new Frame().I16(0).I32(1).UVar(0).Bytes();
        Assert.Equal(noHash, ConsumerGroupRecords.GroupValue(new StoredConsumerGroup(1, 0)));
    }

    [Fact]
    public void Member_metadata_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(5).Str("grp").Str("m-1").Bytes();
        Assert.Equal(key, ConsumerGroupRecords.Key(ConsumerRecordType.MemberMetadata, "grp", "m-1"));
        Assert.Equal((ConsumerRecordType.MemberMetadata, "grp", "m-1"), ConsumerGroupRecords.ReadKey(key));

        // InstanceId, RackId, ClientId, ClientHost, SubscribedTopicNames, SubscribedTopicRegex, RebalanceTimeoutMs,
        // ServerAssignor; ClassicMemberMetadata (tag 0) is absent for a member of the consumer protocol.
        var value = new Frame().I16(0).CStr("inst").NullCStr().CStr("client").CStr("/10.0.0.1")
            .UVar(3).CStr("a").CStr("b").CStr("ord.*").I32(30_000).CStr("range").UVar(0).Bytes();
        var member = new StoredConsumerMember("inst", null, "client", "/10.0.0.1", ["a", "b"], "ord.*", "range", 30_000);
        Assert.Equal(value, ConsumerGroupRecords.MemberValue(member));
        var back = ConsumerGroupRecords.ReadMemberValue(value);
        Assert.Equal(("inst", (string?)null, "client", "/10.0.0.1", "ord.*", "range", 30_000),
            (back.InstanceId, back.RackId, back.ClientId, back.ClientHost, back.SubscribedTopicRegex, back.ServerAssignor, back.RebalanceTimeoutMs));
        Assert.Equal(["a", "b"], back.SubscribedTopicNames);

        var bare = new Frame().I16(0).NullCStr().NullCStr().CStr("c").CStr("h").UVar(1).NullCStr().I32(-1).NullCStr().UVar(0).Bytes();
        Assert.Equal(bare, ConsumerGroupRecords.MemberValue(new StoredConsumerMember(null, null, "c", "h", [], null, null, -1)));
    }

    [Fact]
    public void Target_assignment_metadata_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(6).Str("grp").Bytes();
        Assert.Equal(key, ConsumerGroupRecords.Key(ConsumerRecordType.TargetMetadata, "grp", ""));
        Assert.Equal((ConsumerRecordType.TargetMetadata, "grp", ""), ConsumerGroupRecords.ReadKey(key));
        // AssignmentEpoch; AssignmentTimestamp (tag 0, KIP-1263) is left out, as Kafka leaves it out when 0.
        var value = new Frame().I16(0).I32(12).UVar(0).Bytes();
        Assert.Equal(value, ConsumerGroupRecords.TargetMetadataValue(12));
        Assert.Equal(12, ConsumerGroupRecords.ReadTargetMetadataValue(value));
        // Kafka 4.3 may write the timestamp: it is read past.
        Assert.Equal(12, ConsumerGroupRecords.ReadTargetMetadataValue(new Frame().I16(0).I32(12).UVar(1).UVar(0).UVar(8).I64(1_700_000_000_000).Bytes()));
    }

    [Fact]
    public void Target_assignment_member_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(7).Str("grp").Str("m-1").Bytes();
        Assert.Equal(key, ConsumerGroupRecords.Key(ConsumerRecordType.TargetMember, "grp", "m-1"));
        Assert.Equal((ConsumerRecordType.TargetMember, "grp", "m-1"), ConsumerGroupRecords.ReadKey(key));
        // [TopicPartition: TopicId, [Partitions]], topics and partitions in order.
        var value = new Frame().I16(0).UVar(3)
            .Uuid(TopicA).UVar(3).I32(0).I32(2).UVar(0)
            .Uuid(TopicB).UVar(2).I32(1).UVar(0)
            .UVar(0).Bytes();
        HashSet<TopicIdPartition> set = [new(TopicB, 1), new(TopicA, 2), new(TopicA, 0)];
        Assert.Equal(value, ConsumerGroupRecords.TargetMemberValue(set));
        Assert.True(set.SetEquals(ConsumerGroupRecords.ReadTargetMemberValue(value)));
        Assert.Equal(new Frame().I16(0).UVar(1).UVar(0).Bytes(), ConsumerGroupRecords.TargetMemberValue([]));
    }

    [Fact]
    public void Current_assignment_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(8).Str("grp").Str("m-1").Bytes();
        Assert.Equal(key, ConsumerGroupRecords.Key(ConsumerRecordType.CurrentAssignment, "grp", "m-1"));
        Assert.Equal((ConsumerRecordType.CurrentAssignment, "grp", "m-1"), ConsumerGroupRecords.ReadKey(key));
        // MemberEpoch, PreviousMemberEpoch, State (Kafka's MemberState: 1 = unrevoked partitions), AssignedPartitions,
        // PartitionsPendingRevocation; AssignmentEpochs (tag 0 of each topic) left out.
        var value = new Frame().I16(0).I32(5).I32(4).I8(1)
            .UVar(2).Uuid(TopicA).UVar(2).I32(3).UVar(0)
            .UVar(2).Uuid(TopicA).UVar(3).I32(1).I32(2).UVar(0)
            .UVar(0).Bytes();
        var a = new StoredCurrentAssignment(5, 4, ConsumerMemberState.UnrevokedPartitions, false, [new(TopicA, 3)], [new(TopicA, 2), new(TopicA, 1)]);
        Assert.Equal(value, ConsumerGroupRecords.CurrentAssignmentValue(a));
        var back = ConsumerGroupRecords.ReadCurrentAssignmentValue(value);
        Assert.Equal((5, 4, ConsumerMemberState.UnrevokedPartitions, false), (back.MemberEpoch, back.PreviousMemberEpoch, back.State, back.LeftTemporarily));
        Assert.True(a.Assigned.SetEquals(back.Assigned));
        Assert.True(a.PendingRevocation.SetEquals(back.PendingRevocation));
    }

    [Fact]
    public void A_static_member_that_left_temporarily_is_stored_with_epoch_minus_2_as_kafka_does()
    {
        // State 0 = stable; the epoch the member held goes in PreviousMemberEpoch.
        var value = new Frame().I16(0).I32(-2).I32(9).I8(0).UVar(2).Uuid(TopicA).UVar(2).I32(0).UVar(0).UVar(1).UVar(0).Bytes();
        var left = new StoredCurrentAssignment(9, 8, ConsumerMemberState.Stable, true, [new(TopicA, 0)], []);
        Assert.Equal(value, ConsumerGroupRecords.CurrentAssignmentValue(left));
        var back = ConsumerGroupRecords.ReadCurrentAssignmentValue(value);
        Assert.Equal((9, true), (back.MemberEpoch, back.LeftTemporarily));
    }

    [Fact]
    public void Kafkas_assignment_epochs_and_unknown_tagged_fields_are_read_past()
    {
        // Kafka 4.3 may write AssignmentEpochs (tag 0 of a topic); a future field (tag 5) of the value is skipped too.
        var epochs = new Frame().UVar(2).I32(3).Bytes();
        var value = new Frame().I16(0).I32(5).I32(4).I8(2)
            .UVar(2).Uuid(TopicA).UVar(2).I32(3).UVar(1).UVar(0).UVar(epochs.Length).Raw(epochs)
            .UVar(1)
            .UVar(1).UVar(5).UVar(1).I8(7).Bytes();
        var back = ConsumerGroupRecords.ReadCurrentAssignmentValue(value);
        Assert.Equal((5, ConsumerMemberState.UnreleasedPartitions), (back.MemberEpoch, back.State));
        Assert.Equal([new TopicIdPartition(TopicA, 3)], back.Assigned);
        Assert.Empty(back.PendingRevocation);
    }

    [Fact]
    public void The_format_marker_is_chroniks_own_record_type_1000()
    {
        var marker = OffsetsLogFormat.Marker();
        Assert.Equal(new Frame().I16(1000).Bytes(), marker.Key);
        Assert.Equal(new Frame().I16(0).I16(1).UVar(0).Bytes(), marker.Value);
        Assert.Equal(OffsetsLogFormat.KafkaLayouts, OffsetsLogFormat.Read(marker.Value));
        Assert.Throws<InvalidDataException>(() => OffsetsLogFormat.Read(new Frame().I16(0).I16(2).UVar(0).Bytes()));
    }

    /// <summary>A big-endian frame written by hand: int16-length strings for keys, compact strings and unsigned varints for flexible values.</summary>
    private sealed class Frame
    {
        private readonly List<byte> _b = [];

        public byte[] Bytes() => [.. _b];

        public Frame Raw(byte[] b) { _b.AddRange(b); return this; }

        public Frame I8(sbyte v) { _b.Add((byte)v); return this; }

        public Frame I16(short v) { Span<byte> s = stackalloc byte[2]; BinaryPrimitives.WriteInt16BigEndian(s, v); _b.AddRange(s.ToArray()); return this; }

        public Frame I32(int v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteInt32BigEndian(s, v); _b.AddRange(s.ToArray()); return this; }

        public Frame I64(long v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteInt64BigEndian(s, v); _b.AddRange(s.ToArray()); return this; }

        public Frame UVar(int v)
        {
            uint u = (uint)v;
            while (u >= 0x80)
            {
                _b.Add((byte)(u | 0x80));
                u >>= 7;
            }
            _b.Add((byte)u);
            return this;
        }

        public Frame Str(string v) { var u = Encoding.UTF8.GetBytes(v); I16((short)u.Length); _b.AddRange(u); return this; }

        public Frame CStr(string v) { var u = Encoding.UTF8.GetBytes(v); UVar(u.Length + 1); _b.AddRange(u); return this; }

        public Frame NullCStr() => UVar(0);

        public Frame Uuid(Guid g) { var u = new byte[16]; g.TryWriteBytes(u, bigEndian: true, out _); _b.AddRange(u); return this; }
    }
}
