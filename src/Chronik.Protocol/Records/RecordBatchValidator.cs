using System.Buffers.Binary;

namespace Chronik.Protocol.Records;

/// <summary>Outcome of validating a records buffer; the broker maps it to a Kafka error code.</summary>
public enum RecordValidationResult : byte
{
    Valid = 0,
    /// <summary>Length or CRC wrong, or a partial batch: CORRUPT_MESSAGE (2).</summary>
    CorruptMessage = 1,
    /// <summary>Well-formed but semantically invalid (counts, offsets, flags): INVALID_RECORD (87).</summary>
    InvalidRecord = 2,
    /// <summary>A batch whose magic is not 2; Kafka answers produce v3+ with INVALID_RECORD (87).</summary>
    UnsupportedMagic = 3,
}

/// <summary>How strict the semantic checks are: client batches get Kafka's LogValidator rules; batches already in a log only need to be well-formed.</summary>
public enum RecordValidationMode : byte { Client = 0, Log = 1 }

/// <summary>What a validated records buffer holds; producer fields come from the first batch, sequence end from the last.</summary>
public readonly struct RecordBatchSummary
{
    public int BatchCount { get; init; }
    public long RecordCount { get; init; }
    /// <summary>Offsets the buffer spans: the sum of lastOffsetDelta + 1 over its batches (what the log must assign).</summary>
    public long OffsetCount { get; init; }
    public int FirstLastOffsetDelta { get; init; }
    public int LastOffsetDelta { get; init; }
    public long FirstBaseTimestamp { get; init; }
    public long MaxTimestamp { get; init; }
    public long ProducerId { get; init; }
    public short ProducerEpoch { get; init; }
    public int BaseSequence { get; init; }
    public int LastSequence { get; init; }
    public bool IsTransactional { get; init; }
    public bool IsControl { get; init; }
    /// <summary>Compression of the first batch (producers send one batch per partition).</summary>
    public CompressionType Compression { get; init; }
    /// <summary>True when batches disagree on producer id/epoch or transactional flag, which Kafka rejects.</summary>
    public bool MixedProducers { get; init; }
    public int TotalBytes { get; init; }
    /// <summary>On failure: offset of the batch that failed in the buffer.</summary>
    public int ErrorPosition { get; init; }
}

/// <summary>Checks concatenated v2 batches (a produce records field) without decompressing: lengths, magic, CRC-32C and header semantics. Allocates nothing.</summary>
public static class RecordBatchValidator
{
    /// <summary>Bytes a v2 batch counts in batchLength at minimum (the header minus the log overhead).</summary>
    public const int MinBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    public static RecordValidationResult Validate(ReadOnlySpan<byte> buffer, out RecordBatchSummary summary, RecordValidationMode mode = RecordValidationMode.Client)
    {
        int pos = 0, batches = 0, firstLastOffsetDelta = 0, lastOffsetDelta = 0, baseSequence = -1, lastSequence = -1;
        long records = 0, offsets = 0, firstBaseTimestamp = -1, maxTimestamp = -1, producerId = -1;
        short producerEpoch = -1;
        bool transactional = false, control = false, mixed = false;
        var compression = CompressionType.None;
        var result = RecordValidationResult.Valid;

        while (pos < buffer.Length)
        {
            var rest = buffer[pos..];
            result = CheckBatch(rest, mode, out int size);
            if (result != RecordValidationResult.Valid) break;
            var h = RecordBatchHeader.Read(rest);
            if (batches == 0)
            {
                firstLastOffsetDelta = h.LastOffsetDelta;
                firstBaseTimestamp = h.BaseTimestamp;
                producerId = h.ProducerId;
                producerEpoch = h.ProducerEpoch;
                baseSequence = h.BaseSequence;
                transactional = h.IsTransactional;
                control = h.IsControl;
                compression = h.Compression;
            }
            else if (h.ProducerId != producerId || h.ProducerEpoch != producerEpoch || h.IsTransactional != transactional)
            {
                mixed = true;
            }
            control |= h.IsControl;
            lastOffsetDelta = h.LastOffsetDelta;
            lastSequence = h.LastSequence;
            records += h.RecordCount;
            offsets += (long)h.LastOffsetDelta + 1;
            maxTimestamp = Math.Max(maxTimestamp, h.MaxTimestamp);
            batches++;
            pos += size;
        }

        summary = new RecordBatchSummary
        {
            BatchCount = batches,
            RecordCount = records,
            OffsetCount = offsets,
            FirstLastOffsetDelta = firstLastOffsetDelta,
            LastOffsetDelta = lastOffsetDelta,
            FirstBaseTimestamp = firstBaseTimestamp,
            MaxTimestamp = maxTimestamp,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            BaseSequence = baseSequence,
            LastSequence = lastSequence,
            IsTransactional = transactional,
            IsControl = control,
            Compression = compression,
            MixedProducers = mixed,
            TotalBytes = pos,
            ErrorPosition = result == RecordValidationResult.Valid ? -1 : pos,
        };
        return result;
    }

    /// <summary>Validates the single batch at the start of <paramref name="rest"/>; <paramref name="size"/> is its total size when valid.</summary>
    public static RecordValidationResult CheckBatch(ReadOnlySpan<byte> rest, RecordValidationMode mode, out int size)
    {
        size = 0;
        // Legacy message sets put magic at the same offset, so look at it before trusting the v2 layout.
        if (rest.Length <= RecordBatchHeader.MagicOffset) return RecordValidationResult.CorruptMessage;
        if (rest[RecordBatchHeader.MagicOffset] != 2) return RecordValidationResult.UnsupportedMagic;
        if (rest.Length < RecordBatchHeader.Size) return RecordValidationResult.CorruptMessage;
        int batchLength = BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatchHeader.BatchLengthOffset..]);
        if (batchLength < MinBatchLength || batchLength > rest.Length - RecordBatchHeader.LogOverhead)
            return RecordValidationResult.CorruptMessage;
        size = RecordBatchHeader.LogOverhead + batchLength;
        var batch = rest[..size];
        uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..]);
        if (storedCrc != RecordBatchHeader.ComputeCrc(batch)) return RecordValidationResult.CorruptMessage;

        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
        int lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..]);
        int count = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.RecordCountOffset..]);
        if ((attributes & 0x07) > (int)CompressionType.Zstd) return RecordValidationResult.InvalidRecord;
        if (count < 0 || lastOffsetDelta < -1) return RecordValidationResult.InvalidRecord;
        // Each record needs at least 7 bytes (length, attributes, 2 deltas, key, value, header count).
        if (count > 0 && (attributes & 0x07) == 0 && (long)count * 7 > batchLength - MinBatchLength)
            return RecordValidationResult.CorruptMessage;
        if (mode == RecordValidationMode.Client)
        {
            // Kafka's LogValidator.validateBatch for client-origin batches.
            if (count == 0 || lastOffsetDelta != count - 1) return RecordValidationResult.InvalidRecord;
            if ((attributes & 0x20) != 0) return RecordValidationResult.InvalidRecord;
            long producerId = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchHeader.ProducerIdOffset..]);
            int baseSequence = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BaseSequenceOffset..]);
            if (producerId >= 0 && baseSequence < 0) return RecordValidationResult.InvalidRecord;
            if ((attributes & 0x10) != 0 && producerId < 0) return RecordValidationResult.InvalidRecord;
        }
        else if (count > 0 && lastOffsetDelta < count - 1)
        {
            // Compaction may remove records but never offsets, so the offset span covers at least the records.
            return RecordValidationResult.InvalidRecord;
        }
        return RecordValidationResult.Valid;
    }
}
