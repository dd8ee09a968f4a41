namespace Chronik.Storage;

/// <summary>Why a log operation was refused; maps one-to-one onto Kafka error codes in the broker.</summary>
public enum LogError
{
    None = 0,
    /// <summary>OFFSET_OUT_OF_RANGE: below the log start offset or beyond the log end offset.</summary>
    OffsetOutOfRange,
    /// <summary>MESSAGE_TOO_LARGE: a batch exceeds max.message.bytes.</summary>
    MessageTooLarge,
    /// <summary>CORRUPT_MESSAGE: the bytes are not a sequence of whole v2 batches.</summary>
    CorruptMessage,
    /// <summary>
    /// KAFKA_STORAGE_ERROR: the disk refused a write or a file could not be opened (no space left, too many open
    /// files). Nothing was appended; the next append after the resource returns works again.
    /// </summary>
    StorageError,
}

/// <summary>Per-append settings chosen by the caller (the partition leader epoch stamped into each batch).</summary>
public readonly record struct AppendOptions(int PartitionLeaderEpoch = 0)
{
    public static AppendOptions Default => default;
}

/// <summary>Offsets assigned to an append; LogAppendTime is -1 unless the topic uses LogAppendTime.</summary>
public readonly record struct AppendResult(
    LogError Error, long BaseOffset, long LastOffset, long LogAppendTime, long LogStartOffset, int BatchCount, int RecordCount)
{
    public static AppendResult Failed(LogError error, long logStartOffset) => new(error, -1, -1, -1, logStartOffset, 0, 0);
}

/// <summary>A batch-level timestamp answer for ListOffsets: the batch's max timestamp and an offset in it.</summary>
public readonly record struct TimestampAndOffset(long Timestamp, long Offset);

/// <summary>Outcome of DeleteRecords: the new log start offset (Kafka's low watermark).</summary>
public readonly record struct DeleteRecordsResult(LogError Error, long LowWatermark);

/// <summary>What a retention pass removed.</summary>
public readonly record struct RetentionResult(int SegmentsDeleted, long BytesDeleted, long LogStartOffset);
