using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage;

/// <summary>
/// The bytes of a producer snapshot file, big-endian: version int16 (1), CRC-32C uint32 of everything after it,
/// snapshot offset int64, producer count int32, then per producer: id int64, epoch int16, coordinator epoch int32,
/// last timestamp int64, current transaction first offset int64, batch count int32, and per batch (oldest first):
/// first sequence int32, last sequence int32, first offset int64, offset delta int32, timestamp int64.
/// </summary>
public static class ProducerSnapshotCodec
{
    private const short Version = 1;
    private const int HeaderSize = 2 + 4 + 8 + 4;
    private const int ProducerSize = 8 + 2 + 4 + 8 + 8 + 4;
    private const int BatchSize = 4 + 4 + 8 + 4 + 8;

    public static byte[] Encode(ProducerSnapshot snapshot)
    {
        int size = HeaderSize;
        foreach (var p in snapshot.Producers) size += ProducerSize + (p.Batches.Count * BatchSize);
        var bytes = new byte[size];
        var b = bytes.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(b, Version);
        BinaryPrimitives.WriteInt64BigEndian(b[6..], snapshot.Offset);
        BinaryPrimitives.WriteInt32BigEndian(b[14..], snapshot.Producers.Count);
        int pos = HeaderSize;
        foreach (var p in snapshot.Producers)
        {
            BinaryPrimitives.WriteInt64BigEndian(b[pos..], p.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(b[(pos + 8)..], p.Epoch);
            BinaryPrimitives.WriteInt32BigEndian(b[(pos + 10)..], p.CoordinatorEpoch);
            BinaryPrimitives.WriteInt64BigEndian(b[(pos + 14)..], p.LastTimestamp);
            BinaryPrimitives.WriteInt64BigEndian(b[(pos + 22)..], p.CurrentTxnFirstOffset);
            BinaryPrimitives.WriteInt32BigEndian(b[(pos + 30)..], p.Batches.Count);
            pos += ProducerSize;
            foreach (var batch in p.Batches)
            {
                BinaryPrimitives.WriteInt32BigEndian(b[pos..], batch.FirstSequence);
                BinaryPrimitives.WriteInt32BigEndian(b[(pos + 4)..], batch.LastSequence);
                BinaryPrimitives.WriteInt64BigEndian(b[(pos + 8)..], batch.FirstOffset);
                BinaryPrimitives.WriteInt32BigEndian(b[(pos + 16)..], batch.OffsetDelta);
                BinaryPrimitives.WriteInt64BigEndian(b[(pos + 20)..], batch.Timestamp);
                pos += BatchSize;
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(b[2..], Crc32C.Compute(b[6..]));
        return bytes;
    }

    /// <summary>The snapshot, or null when the bytes are truncated, of another version or fail the CRC.</summary>
    public static ProducerSnapshot? Decode(ReadOnlySpan<byte> b)
    {
        if (b.Length < HeaderSize || BinaryPrimitives.ReadInt16BigEndian(b) != Version) return null;
        if (BinaryPrimitives.ReadUInt32BigEndian(b[2..]) != Crc32C.Compute(b[6..])) return null;
        long offset = BinaryPrimitives.ReadInt64BigEndian(b[6..]);
        int count = BinaryPrimitives.ReadInt32BigEndian(b[14..]);
        if (count < 0 || count > (b.Length - HeaderSize) / ProducerSize) return null;
        var producers = new List<ProducerSnapshotEntry>(count);
        int pos = HeaderSize;
        for (int i = 0; i < count; i++)
        {
            if (b.Length - pos < ProducerSize) return null;
            long pid = BinaryPrimitives.ReadInt64BigEndian(b[pos..]);
            short epoch = BinaryPrimitives.ReadInt16BigEndian(b[(pos + 8)..]);
            int coordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(b[(pos + 10)..]);
            long lastTimestamp = BinaryPrimitives.ReadInt64BigEndian(b[(pos + 14)..]);
            long txnFirst = BinaryPrimitives.ReadInt64BigEndian(b[(pos + 22)..]);
            int batches = BinaryPrimitives.ReadInt32BigEndian(b[(pos + 30)..]);
            pos += ProducerSize;
            if (batches < 0 || batches > (b.Length - pos) / BatchSize) return null;
            var list = new ProducerSnapshotBatch[batches];
            for (int j = 0; j < batches; j++)
            {
                list[j] = new ProducerSnapshotBatch(
                    BinaryPrimitives.ReadInt32BigEndian(b[pos..]), BinaryPrimitives.ReadInt32BigEndian(b[(pos + 4)..]),
                    BinaryPrimitives.ReadInt64BigEndian(b[(pos + 8)..]), BinaryPrimitives.ReadInt32BigEndian(b[(pos + 16)..]),
                    BinaryPrimitives.ReadInt64BigEndian(b[(pos + 20)..]));
                pos += BatchSize;
            }
            producers.Add(new ProducerSnapshotEntry(pid, epoch, coordinatorEpoch, lastTimestamp, txnFirst, list));
        }
        return pos == b.Length ? new ProducerSnapshot(offset, producers) : null;
    }
}
