using Chronik.Protocol.Records;

namespace Chronik.Storage.Memory;

/// <summary>
/// A partition log held in memory with the file log's semantics (offsets, segments, read limits, retention,
/// timestamps) for fast tests of the layers above. One lock guards everything.
/// </summary>
internal sealed partial class MemoryPartitionLog(string topic, int partition, LogConfig config, TimeProvider time, StorageStats stats) : IPartitionLog
{
    private readonly Lock _lock = new();
    private readonly List<MemorySegment> _segments = [new MemorySegment(0, time.GetUtcNow().ToUnixTimeMilliseconds())];
    private LogConfig _config = config;
    private long _logStartOffset;
    private long _logEndOffset;

    public string Topic { get; } = topic;
    public int Partition { get; } = partition;
    public LogConfig Config => Volatile.Read(ref _config);
    public long LogStartOffset => Volatile.Read(ref _logStartOffset);
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);
    public long HighWatermark => LogEndOffset;
    public ReadableSignal Readable { get; } = new();

    public long SizeInBytes
    {
        get { lock (_lock) return _segments.Sum(s => (long)s.Size); }
    }

    public int SegmentCount
    {
        get { lock (_lock) return _segments.Count; }
    }

    public void UpdateConfig(LogConfig config) => Volatile.Write(ref _config, config);

    public ValueTask<AppendResult> AppendAsync(Memory<byte> batches, AppendOptions options, CancellationToken cancellationToken = default) =>
        AppendCore(batches, options, null);

    private ValueTask<AppendResult> AppendCore(Memory<byte> batches, AppendOptions options, AbortedTransaction? aborted)
    {
        var result = AppendLocked(batches, options, aborted);
        if (result.Error == LogError.None) Readable.Pulse();
        return ValueTask.FromResult(result);
    }

    private AppendResult AppendLocked(Memory<byte> batches, AppendOptions options, AbortedTransaction? aborted)
    {
        lock (_lock)
        {
            var config = _config;
            long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            long appendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? nowMs : -1;
            var stamp = BatchStamper.Stamp(batches.Span, _logEndOffset, options.PartitionLeaderEpoch, appendTime, config.MaxMessageBytes);
            if (stamp.Error != LogError.None) return AppendResult.Failed(stamp.Error, _logStartOffset);
            var active = _segments[^1];
            if (SegmentRoll.ShouldRoll(active.Size, active.FirstAppendMs, active.BaseOffset, batches.Length, stamp.LastOffset, nowMs, config))
            {
                active = new MemorySegment(_logEndOffset, nowMs);
                _segments.Add(active);
            }
            active.Append(batches.Span, nowMs);
            if (aborted is { } a) active.AddAborted(a with { LastOffset = stamp.LastOffset, LastStableOffset = Math.Min(a.LastStableOffset, stamp.LastOffset + 1) });
            Volatile.Write(ref _logEndOffset, stamp.LastOffset + 1);
            stats.RecordAppend(batches.Length);
            return new AppendResult(LogError.None, stamp.BaseOffset, stamp.LastOffset, appendTime, _logStartOffset, stamp.BatchCount, stamp.RecordCount);
        }
    }

    public ReadResult Read(long offset, int maxBytes, long maxOffsetExclusive)
    {
        lock (_lock)
        {
            long leo = _logEndOffset, start = _logStartOffset;
            if (offset < start || offset > leo) return ReadResult.OutOfRange(leo, start, leo);
            long limit = Math.Min(maxOffsetExclusive, leo);
            if (offset >= limit) return ReadResult.Empty(leo, start, leo);
            int index = Math.Max(0, _segments.FindLastIndex(s => s.BaseOffset <= offset));
            var segment = _segments[index];
            int position = segment.PositionOf(offset);
            // Nothing at or after the offset in this segment (compacted away): the next segment's first batch.
            while (position < 0 && ++index < _segments.Count)
            {
                segment = _segments[index];
                position = segment.PositionOf(offset);
            }
            if (position < 0) return ReadResult.Empty(leo, start, leo);
            var available = segment.From(position);
            int length = ReadLimits.WholeBatches(available, maxBytes, limit);
            if (length == 0) return ReadResult.Empty(leo, start, leo);
            var lease = new PooledBuffer(length);
            available[..length].CopyTo(lease.Array);
            return new ReadResult(LogError.None, lease, length, leo, start, leo);
        }
    }

    public TimestampAndOffset? FindOffsetByTimestamp(long timestamp)
    {
        lock (_lock)
        {
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestamp < timestamp || segment.NextOffset <= _logStartOffset) continue;
                var found = segment.FindByTimestamp(timestamp, Math.Max(segment.BaseOffset, _logStartOffset));
                if (found is not null) return found;
            }
            return null;
        }
    }

    public TimestampAndOffset? GetMaxTimestamp()
    {
        lock (_lock)
        {
            TimestampAndOffset? best = null;
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.Value.Timestamp))
                    best = new TimestampAndOffset(segment.MaxTimestamp, Math.Max(segment.OffsetOfMaxTimestamp, _logStartOffset));
            }
            return best;
        }
    }

    public DeleteRecordsResult DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            if (offset == -1) offset = _logEndOffset;
            if (offset < 0 || offset > _logEndOffset) return new DeleteRecordsResult(LogError.OffsetOutOfRange, _logStartOffset);
            if (offset <= _logStartOffset) return new DeleteRecordsResult(LogError.None, _logStartOffset);
            Volatile.Write(ref _logStartOffset, offset);
            while (_segments.Count > 1 && _segments[1].BaseOffset <= offset) _segments.RemoveAt(0);
            DropSnapshotsBelowFirstSegment();
            return new DeleteRecordsResult(LogError.None, offset);
        }
    }

    public RetentionResult ApplyRetention(DateTimeOffset now)
    {
        lock (_lock)
        {
            var summaries = _segments.Select(s => s.Summary).ToArray();
            int drop = RetentionPolicy.CountDeletable(summaries, _config, now.ToUnixTimeMilliseconds());
            long bytes = _segments.Take(drop).Sum(s => (long)s.Size);
            _segments.RemoveRange(0, drop);
            DropSnapshotsBelowFirstSegment();
            Volatile.Write(ref _logStartOffset, Math.Max(_logStartOffset, _segments[0].BaseOffset));
            return new RetentionResult(drop, bytes, _logStartOffset);
        }
    }

    public ValueTask FlushAsync() => ValueTask.CompletedTask;
}
