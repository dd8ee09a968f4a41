using System.Buffers.Binary;
using Chronik.Protocol.Records;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Metadata;

/// <summary>What reading a batch at some position found.</summary>
public enum MetadataBatchRead
{
    /// <summary>A whole batch whose CRC matches.</summary>
    Ok,
    /// <summary>Fewer bytes than the header or the length claims: a torn tail.</summary>
    Incomplete,
    /// <summary>A bad length or a CRC mismatch.</summary>
    Corrupt,
}

/// <summary>
/// The metadata log's batch framing: base offset (int64), payload length (int32), CRC-32C of the payload (uint32),
/// then the payload: a record count (int32) and that many (unsigned varint length, record frame) pairs. The records
/// of one batch are applied together or not at all; the CRC makes a torn or damaged batch detectable at open.
/// </summary>
public static class MetadataBatch
{
    public const int HeaderSize = 16;

    /// <summary>No batch is larger (a length beyond it is corruption, not a big batch).</summary>
    public const int MaxPayload = 256 << 20;

    public static byte[] Encode(long baseOffset, IReadOnlyList<MetadataRecord> records)
    {
        var sizes = new int[records.Count];
        int payload = 4;
        for (int i = 0; i < records.Count; i++)
        {
            sizes[i] = MetadataRecordSerde.Size(records[i]);
            payload += KafkaSizes.UnsignedVarInt((uint)sizes[i]) + sizes[i];
        }
        if (payload > MaxPayload) throw new ArgumentException($"a metadata batch of {payload} bytes exceeds {MaxPayload}");
        var bytes = new byte[HeaderSize + payload];
        var body = bytes.AsSpan(HeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(body, records.Count);
        int pos = 4;
        for (int i = 0; i < records.Count; i++)
        {
            var w = new KafkaWriter(body[pos..]);
            w.WriteUnsignedVarInt((uint)sizes[i]);
            pos += w.Position;
            MetadataRecordSerde.Write(records[i], body.Slice(pos, sizes[i]));
            pos += sizes[i];
        }
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), payload);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), Crc32.Compute(body));
        SetBaseOffset(bytes, baseOffset);
        return bytes;
    }

    public static void SetBaseOffset(byte[] batch, long baseOffset) => BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>The record count of an encoded batch.</summary>
    public static int Count(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[HeaderSize..]);

    /// <summary>Checks the batch at the start of <paramref name="data"/>; on Ok gives its base offset, record count and total length.</summary>
    public static MetadataBatchRead TryRead(ReadOnlySpan<byte> data, out long baseOffset, out int count, out int length)
    {
        baseOffset = 0;
        count = 0;
        length = 0;
        if (data.Length < HeaderSize) return MetadataBatchRead.Incomplete;
        baseOffset = BinaryPrimitives.ReadInt64BigEndian(data);
        int payload = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
        if (payload < 4 || payload > MaxPayload || baseOffset < 0) return MetadataBatchRead.Corrupt;
        if (data.Length - HeaderSize < payload) return MetadataBatchRead.Incomplete;
        var body = data.Slice(HeaderSize, payload);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32BigEndian(data[12..])) return MetadataBatchRead.Corrupt;
        count = BinaryPrimitives.ReadInt32BigEndian(body);
        if (count < 0) return MetadataBatchRead.Corrupt;
        length = HeaderSize + payload;
        return MetadataBatchRead.Ok;
    }

    /// <summary>Decodes the records of a batch that <see cref="TryRead"/> accepted.</summary>
    public static List<MetadataRecord> Decode(ReadOnlyMemory<byte> batch)
    {
        int count = Count(batch.Span);
        var records = new List<MetadataRecord>(Math.Min(count, 4096));
        int pos = HeaderSize + 4;
        for (int i = 0; i < count; i++)
        {
            var r = new KafkaReader(batch[pos..]);
            int size = (int)r.ReadUnsignedVarInt();
            pos += r.Position;
            if (size < 0 || size > batch.Length - pos) throw new InvalidDataException("metadata record overruns its batch");
            records.Add(MetadataRecordSerde.Read(batch.Slice(pos, size)));
            pos += size;
        }
        return records;
    }
}
