namespace Chronik.Storage;

/// <summary>The write-ahead log of one topic partition: record batches stored as bytes, addressed by offset.</summary>
public interface IPartitionLog
{
    string Topic { get; }
    int Partition { get; }
    LogConfig Config { get; }

    /// <summary>Applies changed topic configs (AlterConfigs); takes effect for the next append or retention pass.</summary>
    void UpdateConfig(LogConfig config);

    long LogStartOffset { get; }
    /// <summary>The offset the next appended record gets.</summary>
    long LogEndOffset { get; }
    /// <summary>Equal to the log end offset on a single node.</summary>
    long HighWatermark { get; }
    long SizeInBytes { get; }
    int SegmentCount { get; }

    /// <summary>
    /// Appends one or more concatenated, already validated v2 batches. Offsets, the leader epoch and (for
    /// LogAppendTime) the timestamp are stamped into <paramref name="batches"/> in place. The write happens
    /// before this method first yields, so appends issued in order get offsets in order; the returned task
    /// completes once the bytes are durable when the config requires it. Cancelling abandons the wait, not the write.
    /// </summary>
    ValueTask<AppendResult> AppendAsync(Memory<byte> batches, AppendOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads whole batches starting with the one containing <paramref name="offset"/>: at least one batch
    /// even if it exceeds <paramref name="maxBytes"/> (KIP-74), then more while they fit, only batches whose
    /// last offset is below <paramref name="maxOffsetExclusive"/> (the high watermark or last stable offset).
    /// </summary>
    ReadResult Read(long offset, int maxBytes, long maxOffsetExclusive);

    /// <summary>The first batch whose max timestamp is at least <paramref name="timestamp"/> (batch granularity).</summary>
    TimestampAndOffset? FindOffsetByTimestamp(long timestamp);

    /// <summary>The largest batch max timestamp and that batch's base offset (ListOffsets MAX_TIMESTAMP).</summary>
    TimestampAndOffset? GetMaxTimestamp();

    /// <summary>Moves the log start offset up to <paramref name="offset"/> (-1 means the high watermark) and drops whole segments below it.</summary>
    DeleteRecordsResult DeleteRecordsBefore(long offset);

    /// <summary>Deletes old segments by retention.ms (segment max timestamp) and retention.bytes; never the active segment.</summary>
    RetentionResult ApplyRetention(DateTimeOffset now);

    /// <summary>Fsyncs everything appended so far.</summary>
    ValueTask FlushAsync();
}
