using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage;

/// <summary>Summary of the batches of one append after offsets were assigned.</summary>
internal readonly record struct StampedAppend(
    LogError Error, long BaseOffset, long LastOffset, int BatchCount, int RecordCount, long MaxTimestamp, long OffsetOfMaxTimestamp);

/// <summary>Assigns offsets to producer batches in place: the only bytes the log ever changes.</summary>
internal static class BatchStamper
{
    /// <summary>Smallest legal batchLength: the 61-byte header minus the 12-byte log overhead.</summary>
    public const int MinBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    /// <summary>
    /// Checks the framing of every batch, then rewrites baseOffset and partitionLeaderEpoch (outside the CRC)
    /// and, when <paramref name="logAppendTime"/> is not -1, the timestamp type and max timestamp (inside the
    /// CRC, so it is recomputed). Nothing is modified when the framing is wrong.
    /// </summary>
    public static StampedAppend Stamp(Span<byte> batches, long nextOffset, int leaderEpoch, long logAppendTime, int maxBatchBytes)
    {
        var error = Validate(batches, maxBatchBytes, out int batchCount);
        if (error != LogError.None) return new StampedAppend(error, -1, -1, 0, 0, -1, -1);

        long offset = nextOffset;
        long maxTimestamp = -1, offsetOfMax = -1;
        int records = 0;
        for (int pos = 0; pos < batches.Length;)
        {
            var batch = batches.Slice(pos, TotalSize(batches[pos..]));
            RecordBatchHeader.SetBaseOffset(batch, offset);
            RecordBatchHeader.SetPartitionLeaderEpoch(batch, leaderEpoch);
            if (logAppendTime != -1)
            {
                short attributes = (short)(BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]) | 0x08);
                BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], attributes);
                BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], logAppendTime);
                BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(batch));
            }
            long batchMax = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..]);
            if (batchMax > maxTimestamp) { maxTimestamp = batchMax; offsetOfMax = offset; }
            records += BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.RecordCountOffset..]);
            offset += BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..]) + 1L;
            pos += batch.Length;
        }
        return new StampedAppend(LogError.None, nextOffset, offset - 1, batchCount, records, maxTimestamp, offsetOfMax);
    }

    private static LogError Validate(ReadOnlySpan<byte> batches, int maxBatchBytes, out int count)
    {
        count = 0;
        if (batches.IsEmpty) return LogError.CorruptMessage;
        for (int pos = 0; pos < batches.Length; count++)
        {
            var rest = batches[pos..];
            if (rest.Length < RecordBatchHeader.Size) return LogError.CorruptMessage;
            int length = BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatchHeader.BatchLengthOffset..]);
            if (length < MinBatchLength || length > rest.Length - RecordBatchHeader.LogOverhead) return LogError.CorruptMessage;
            if (rest[RecordBatchHeader.MagicOffset] != 2) return LogError.CorruptMessage;
            if (BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatchHeader.LastOffsetDeltaOffset..]) < 0) return LogError.CorruptMessage;
            if (length + RecordBatchHeader.LogOverhead > maxBatchBytes) return LogError.MessageTooLarge;
            pos += length + RecordBatchHeader.LogOverhead;
        }
        return LogError.None;
    }

    /// <summary>Total size of the batch starting at the span (log overhead plus batchLength).</summary>
    public static int TotalSize(ReadOnlySpan<byte> batch) =>
        RecordBatchHeader.LogOverhead + BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]);
}
