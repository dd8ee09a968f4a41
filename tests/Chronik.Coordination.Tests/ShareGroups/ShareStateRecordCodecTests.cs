using Chronik.Coordination.ShareGroups;
using Xunit;

namespace Chronik.Coordination.Tests.ShareGroups;

/// <summary>The __share_group_state record bytes: Kafka's coordinator framing around the generated share-coordinator codecs.</summary>
public class ShareStateRecordCodecTests
{
    private static readonly SharePartitionKey Key = new("group-1", Guid.NewGuid(), 3);

    [Fact]
    public void A_snapshot_round_trips_with_the_record_type_and_version_prefixes()
    {
        var snapshot = new ShareSnapshotRecord(Key, 4, 2, 1, 100, 7, 1_000, 2_000,
            [new ShareStateBatch(100, 104, DeliveryState.Acknowledged, 1), new ShareStateBatch(105, 110, DeliveryState.Available, 3)]);
        var (key, value) = ShareStateRecordCodec.Encode(snapshot);
        Assert.Equal([0, 0], key[..2]);   // record type 0: snapshot
        Assert.Equal([0, 0], value[..2]); // value version 0
        var back = Assert.IsType<ShareSnapshotRecord>(ShareStateRecordCodec.Decode(key, value));
        Assert.Equal(snapshot with { StateBatches = [] }, back with { StateBatches = [] });
        Assert.Equal(snapshot.StateBatches, back.StateBatches);
        Assert.Equal(Key, ShareStateRecordCodec.DecodeKey(key));
    }

    [Fact]
    public void An_update_round_trips_and_tombstones_name_both_key_types()
    {
        var update = new ShareUpdateRecord(Key, 4, 1, -1, -1, [new ShareStateBatch(111, 111, DeliveryState.Archived, 5)]);
        var (key, value) = ShareStateRecordCodec.Encode(update);
        Assert.Equal([0, 1], key[..2]);
        var back = Assert.IsType<ShareUpdateRecord>(ShareStateRecordCodec.Decode(key, value));
        Assert.Equal((4, 1, -1L, -1), (back.SnapshotEpoch, back.LeaderEpoch, back.StartOffset, back.DeliveryCompleteCount));
        Assert.Equal(update.StateBatches, back.StateBatches);

        var tombstones = ShareStateRecordCodec.TombstoneKeys(Key);
        Assert.Equal(2, tombstones.Count);
        Assert.All(tombstones, k => Assert.Equal(Key, ShareStateRecordCodec.DecodeKey(k)));
        Assert.Null(ShareStateRecordCodec.Decode(tombstones[0], null));
    }

    [Fact]
    public void Bytes_that_do_not_parse_decode_to_nothing()
    {
        Assert.Null(ShareStateRecordCodec.Decode(new byte[] { 0, 0, 1 }, new byte[] { 0, 0, 9 }));
        Assert.Null(ShareStateRecordCodec.Decode(new byte[] { 0, 7, 0, 0 }, new byte[] { 0, 0 }));
        Assert.Null(ShareStateRecordCodec.Decode(new byte[] { 0, 0 }, new byte[] { 0, 3 }));
        Assert.Null(ShareStateRecordCodec.DecodeKey(new byte[] { 1 }));
    }
}
