using System.Buffers.Binary;

namespace Chronik.Protocol.Records;

/// <summary>The type in a control record's key; 0 and 1 are transaction markers.</summary>
public enum ControlRecordType : short
{
    Abort = 0,
    Commit = 1,
    LeaderChange = 2,
    SnapshotHeader = 3,
    SnapshotFooter = 4,
}

/// <summary>Builds and parses control records, chiefly the end-transaction markers the transaction coordinator writes.</summary>
public static class ControlRecord
{
    public const short CurrentKeyVersion = 0;
    public const short CurrentMarkerValueVersion = 0;

    /// <summary>Builds a control batch holding one commit or abort marker for a producer; baseOffset is left 0 for the log to assign.</summary>
    public static byte[] BuildTransactionMarker(ControlRecordType type, long producerId, short producerEpoch, int coordinatorEpoch,
        long timestamp, int partitionLeaderEpoch = -1)
    {
        if (type is not (ControlRecordType.Abort or ControlRecordType.Commit))
            throw new ArgumentOutOfRangeException(nameof(type), type, "a transaction marker is either Abort or Commit");
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteInt16BigEndian(key, CurrentKeyVersion);
        BinaryPrimitives.WriteInt16BigEndian(key[2..], (short)type);
        Span<byte> value = stackalloc byte[6];
        BinaryPrimitives.WriteInt16BigEndian(value, CurrentMarkerValueVersion);
        BinaryPrimitives.WriteInt32BigEndian(value[2..], coordinatorEpoch);

        using var builder = new RecordBatchBuilder
        {
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            BaseSequence = -1,
            IsTransactional = true,
            IsControl = true,
            PartitionLeaderEpoch = partitionLeaderEpoch,
        };
        builder.Append(timestamp, key, value);
        return builder.ToArray();
    }

    /// <summary>Parses a control record key: int16 version then int16 type. Versions above 0 are accepted as Kafka does (extra bytes ignored).</summary>
    public static bool TryReadKey(ReadOnlySpan<byte> key, out short version, out ControlRecordType type)
    {
        version = 0;
        type = default;
        if (key.Length < 4) return false;
        version = BinaryPrimitives.ReadInt16BigEndian(key);
        if (version < 0) return false;
        type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        return true;
    }

    /// <summary>Parses a transaction marker value: int16 version then int32 coordinator epoch.</summary>
    public static bool TryReadTransactionMarkerValue(ReadOnlySpan<byte> value, out short version, out int coordinatorEpoch)
    {
        version = 0;
        coordinatorEpoch = 0;
        if (value.Length < 6) return false;
        version = BinaryPrimitives.ReadInt16BigEndian(value);
        if (version < 0) return false;
        coordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(value[2..]);
        return true;
    }
}
