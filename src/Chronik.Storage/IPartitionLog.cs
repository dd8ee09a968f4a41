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

    /// <summary>Pulsed when what a fetch may read grows: the high watermark here, the last stable offset by the producer state.</summary>
    ReadableSignal Readable { get; }
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

    // Producer state persistence (Kafka's ProducerStateManager snapshots and per-segment .txnindex). The producer state
    // itself lives above storage; the log stores its snapshots and the aborted transactions.

    /// <summary>Registers the partition's producer state: the file log then asks it for snapshots (soon after a segment roll, periodically while the log grows, at clean shutdown).</summary>
    void AttachProducerState(IProducerSnapshotSource source);

    /// <summary>The newest intact producer snapshot at or below <paramref name="maxOffset"/>; damaged ones met on the way are deleted.</summary>
    ProducerSnapshot? LoadProducerSnapshot(long maxOffset);

    /// <summary>
    /// False only when loading the producer state would find nothing: the log is empty, no producer snapshot exists and no
    /// aborted-transaction index rebuild is pending. Start-up then leaves the state to be created on first use.
    /// </summary>
    bool HasProducerStateToLoad { get; }

    /// <summary>Stores a producer snapshot (file: atomically, keeping the newest few; deleted with their segments).</summary>
    void WriteProducerSnapshot(ProducerSnapshot snapshot);

    /// <summary>
    /// Appends one transaction marker batch as <see cref="AppendAsync"/> does. For an abort, <paramref name="aborted"/> is
    /// recorded under the same lock in the aborted-transaction index of the segment the marker lands in, with its
    /// LastOffset set to the marker's offset and its LastStableOffset to the smaller of the given value (the first
    /// offset of the partition's other open transactions, or long.MaxValue) and the offset after the marker.
    /// </summary>
    ValueTask<AppendResult> AppendMarkerAsync(Memory<byte> marker, AbortedTransaction? aborted, CancellationToken cancellationToken = default);

    /// <summary>
    /// The offset from which the producer state must replay the log to complete the aborted-transaction index (a crash
    /// lost its unflushed tail, or the data predates it), else long.MaxValue. The producer state loads a snapshot at or
    /// below it and hands what it found to <see cref="CompleteTxnIndexRebuild"/>.
    /// </summary>
    long TxnIndexRebuildFrom { get; }

    /// <summary>Adds aborted transactions found by replaying the log (those already indexed are skipped) and ends the rebuild.</summary>
    void CompleteTxnIndexRebuild(IReadOnlyList<AbortedTransaction> entries);

    /// <summary>
    /// Kafka's collectAbortedTransactions: adds the aborted transactions overlapping [fetchOffset, upperBound), searching
    /// the segments from the one holding <paramref name="fetchOffset"/> until an entry's last stable offset reaches the bound.
    /// </summary>
    void CollectAbortedTransactions(long fetchOffset, long upperBound, List<AbortedTransaction> into);
}
