using Chronik.Protocol.Records.ShareCoordinator;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// The bytes of <c>__share_group_state</c> records as Kafka's share coordinator writes them (CoordinatorRecordSerde):
/// the key is the record type (int16: 0 snapshot, 1 update) and the ShareSnapshotKey/ShareUpdateKey at v0; the value is
/// its version (int16, 0) and the ShareSnapshotValue/ShareUpdateValue, with the generated codecs.
/// </summary>
public static class ShareStateRecordCodec
{
    public const short SnapshotType = 0;
    public const short UpdateType = 1;

    /// <summary>Encodes one state record as its key and value.</summary>
    public static (byte[] Key, byte[] Value) Encode(ShareStateValue record)
    {
        var k = record.Key;
        switch (record)
        {
            case ShareSnapshotRecord s:
            {
                var key = new ShareSnapshotKey { GroupId = k.GroupId, TopicId = k.TopicId, Partition = k.Partition };
                var value = new ShareSnapshotValue
                {
                    SnapshotEpoch = s.SnapshotEpoch, StateEpoch = s.StateEpoch, LeaderEpoch = s.LeaderEpoch, StartOffset = s.StartOffset,
                    DeliveryCompleteCount = s.DeliveryCompleteCount, CreateTimestamp = s.CreateTimestampMs, WriteTimestamp = s.WriteTimestampMs,
                };
                foreach (var b in s.StateBatches)
                {
                    value.StateBatches.Add(new ShareSnapshotValue.StateBatch { FirstOffset = b.FirstOffset, LastOffset = b.LastOffset, DeliveryState = (sbyte)b.DeliveryState, DeliveryCount = b.DeliveryCount });
                }
                return (Framed(SnapshotType, key), Framed(0, value));
            }
            case ShareUpdateRecord u:
            {
                var key = new ShareUpdateKey { GroupId = k.GroupId, TopicId = k.TopicId, Partition = k.Partition };
                var value = new ShareUpdateValue
                {
                    SnapshotEpoch = u.SnapshotEpoch, LeaderEpoch = u.LeaderEpoch, StartOffset = u.StartOffset, DeliveryCompleteCount = u.DeliveryCompleteCount,
                };
                foreach (var b in u.StateBatches)
                {
                    value.StateBatches.Add(new ShareUpdateValue.StateBatch { FirstOffset = b.FirstOffset, LastOffset = b.LastOffset, DeliveryState = (sbyte)b.DeliveryState, DeliveryCount = b.DeliveryCount });
                }
                return (Framed(UpdateType, key), Framed(0, value));
            }
            default:
                throw new ArgumentException($"unknown share state record {record.GetType().Name}", nameof(record));
        }
    }

    /// <summary>The tombstones that delete a share partition's state: one per key type (snapshot and update).</summary>
    public static IReadOnlyList<byte[]> TombstoneKeys(SharePartitionKey k) =>
    [
        Framed(SnapshotType, new ShareSnapshotKey { GroupId = k.GroupId, TopicId = k.TopicId, Partition = k.Partition }),
        Framed(UpdateType, new ShareUpdateKey { GroupId = k.GroupId, TopicId = k.TopicId, Partition = k.Partition }),
    ];

    /// <summary>The share partition a key names (both key types have the same fields), or null.</summary>
    public static SharePartitionKey? DecodeKey(ReadOnlyMemory<byte> key)
    {
        if (key.Length < 2) return null;
        short type = (short)((key.Span[0] << 8) | key.Span[1]);
        try
        {
            return type switch
            {
                SnapshotType => new ShareSnapshotKey().ReadFrom(key[2..], 0) is var s ? new SharePartitionKey(s.GroupId, s.TopicId, s.Partition) : null,
                UpdateType => new ShareUpdateKey().ReadFrom(key[2..], 0) is var u ? new SharePartitionKey(u.GroupId, u.TopicId, u.Partition) : null,
                _ => null,
            };
        }
        catch (KafkaProtocolException)
        {
            return null;
        }
    }

    /// <summary>Decodes one record; null for a tombstone, a type or version this build does not know, or bytes that do not parse.</summary>
    public static ShareStateValue? Decode(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value)
    {
        if (key.Length < 2 || value is not { Length: >= 2 } v) return null;
        short type = (short)((key.Span[0] << 8) | key.Span[1]);
        short version = (short)((v.Span[0] << 8) | v.Span[1]);
        if (version != 0) return null;
        try
        {
            switch (type)
            {
                case SnapshotType:
                {
                    var k = new ShareSnapshotKey().ReadFrom(key[2..], 0);
                    var s = new ShareSnapshotValue().ReadFrom(v[2..], 0);
                    return new ShareSnapshotRecord(new SharePartitionKey(k.GroupId, k.TopicId, k.Partition), s.SnapshotEpoch, s.StateEpoch, s.LeaderEpoch,
                        s.StartOffset, s.DeliveryCompleteCount, s.CreateTimestamp, s.WriteTimestamp,
                        [.. s.StateBatches.Select(b => new ShareStateBatch(b.FirstOffset, b.LastOffset, (DeliveryState)b.DeliveryState, b.DeliveryCount))]);
                }
                case UpdateType:
                {
                    var k = new ShareUpdateKey().ReadFrom(key[2..], 0);
                    var u = new ShareUpdateValue().ReadFrom(v[2..], 0);
                    return new ShareUpdateRecord(new SharePartitionKey(k.GroupId, k.TopicId, k.Partition), u.SnapshotEpoch, u.LeaderEpoch,
                        u.StartOffset, u.DeliveryCompleteCount,
                        [.. u.StateBatches.Select(b => new ShareStateBatch(b.FirstOffset, b.LastOffset, (DeliveryState)b.DeliveryState, b.DeliveryCount))]);
                }
                default:
                    return null;
            }
        }
        catch (KafkaProtocolException)
        {
            return null;
        }
    }

    private static byte[] Framed(short prefix, IKafkaMessage message)
    {
        int size = message.ComputeSize(0);
        var bytes = new byte[2 + size];
        bytes[0] = (byte)(prefix >> 8);
        bytes[1] = (byte)prefix;
        var w = new KafkaWriter(bytes.AsSpan(2));
        message.Write(ref w, 0);
        return bytes;
    }
}
