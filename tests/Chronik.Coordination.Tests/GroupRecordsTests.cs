using System.Buffers.Binary;
using System.Text;
using Chronik.Coordination.Groups;
using Xunit;

namespace Chronik.Coordination.Tests;

/// <summary>
/// The classic offsets-log records, now through the generated codecs, hold Kafka's byte layouts: each expected frame is
/// written out field by field from Kafka's OffsetCommitKey/Value and GroupMetadataKey/Value schemas, so data
/// directories written by earlier builds (and by Kafka) still read.
/// </summary>
public class GroupRecordsTests
{
    [Fact]
    public void Offset_commit_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(1).Str("g").Str("t").I32(7).Bytes();
        Assert.Equal(key, GroupRecords.OffsetKey("g", "t", 7));
        Assert.Equal(1, GroupRecords.KeyVersion(key));
        Assert.Equal(("g", "t", 7), GroupRecords.ReadOffsetKey(key));

        // v3: offset, leader epoch, metadata, commit timestamp (no expire timestamp, no tagged fields).
        var value = new Frame().I16(3).I64(42).I32(5).Str("meta").I64(1_700_000_000_000).Bytes();
        Assert.Equal(value, GroupRecords.OffsetValue(new CommittedOffset(42, 5, "meta", 1_700_000_000_000)));
        Assert.Equal(new CommittedOffset(42, 5, "meta", 1_700_000_000_000), GroupRecords.ReadOffsetValue(value));
    }

    [Fact]
    public void Older_offset_values_read_with_their_fields()
    {
        // v1 carries an expire timestamp after the commit timestamp; no leader epoch before v3.
        var v1 = new Frame().I16(1).I64(9).Str("").I64(100).I64(200).Bytes();
        Assert.Equal(new CommittedOffset(9, -1, "", 100), GroupRecords.ReadOffsetValue(v1));
        var v0 = new Frame().I16(0).I64(3).Str("m").I64(50).Bytes();
        Assert.Equal(new CommittedOffset(3, -1, "m", 50), GroupRecords.ReadOffsetValue(v0));
        // the legacy key type 0 has the same fields
        Assert.Equal(("g", "t", 1), GroupRecords.ReadOffsetKey(new Frame().I16(0).Str("g").Str("t").I32(1).Bytes()));
    }

    [Fact]
    public void Group_metadata_key_and_value_have_kafkas_layout()
    {
        var key = new Frame().I16(2).Str("grp").Bytes();
        Assert.Equal(key, GroupRecords.GroupKey("grp"));
        Assert.Equal("grp", GroupRecords.ReadGroupKey(key));

        var group = new StoredGroup("consumer", 4, "range", "m-1", 123,
            [new StoredMember("m-1", null, "client", "/127.0.0.1", 30_000, 10_000, [1, 2], [3])]);
        var value = new Frame().I16(3).Str("consumer").I32(4).Str("range").Str("m-1").I64(123).I32(1)
            .Str("m-1").NullStr().Str("client").Str("/127.0.0.1").I32(30_000).I32(10_000).Blob([1, 2]).Blob([3]).Bytes();
        Assert.Equal(value, GroupRecords.GroupValue(group));
        var back = GroupRecords.ReadGroupValue(value);
        Assert.Equal(("consumer", 4, "range", "m-1", 123L), (back.ProtocolType, back.Generation, back.ProtocolName, back.Leader, back.StateTimestampMs));
        var m = Assert.Single(back.Members);
        Assert.Equal(("m-1", (string?)null, "client", 30_000, 10_000), (m.MemberId, m.GroupInstanceId, m.ClientId, m.RebalanceTimeoutMs, m.SessionTimeoutMs));
        Assert.Equal([1, 2], m.Subscription);
    }

    [Fact]
    public void A_v0_group_value_takes_the_session_timeout_as_rebalance_timeout()
    {
        // v0: no state timestamp, no instance id, no rebalance timeout.
        var v0 = new Frame().I16(0).Str("consumer").I32(1).NullStr().NullStr().I32(1)
            .Str("m").Str("c").Str("h").I32(6_000).Blob([]).Blob([]).Bytes();
        var g = GroupRecords.ReadGroupValue(v0);
        Assert.Null(g.ProtocolName);
        Assert.Equal(-1, g.StateTimestampMs);
        Assert.Equal(6_000, Assert.Single(g.Members).RebalanceTimeoutMs);
    }

    /// <summary>A big-endian frame written by hand (int16-length strings, int32-length bytes).</summary>
    private sealed class Frame
    {
        private readonly List<byte> _b = [];

        public byte[] Bytes() => [.. _b];

        public Frame I16(short v) { Span<byte> s = stackalloc byte[2]; BinaryPrimitives.WriteInt16BigEndian(s, v); _b.AddRange(s.ToArray()); return this; }

        public Frame I32(int v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteInt32BigEndian(s, v); _b.AddRange(s.ToArray()); return this; }

        public Frame I64(long v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteInt64BigEndian(s, v); _b.AddRange(s.ToArray()); return this; }

        public Frame Str(string v) { var u = Encoding.UTF8.GetBytes(v); I16((short)u.Length); _b.AddRange(u); return this; }

        public Frame NullStr() => I16(-1);

        public Frame Blob(byte[] v) { I32(v.Length); _b.AddRange(v); return this; }
    }
}
