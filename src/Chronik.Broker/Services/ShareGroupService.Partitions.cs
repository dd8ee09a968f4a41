using System.Buffers;
using Chronik.Coordination.Groups;
using Chronik.Coordination.Producers;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Broker.Services;

/// <summary>What one share fetch took from one partition: the batches to return (disposed by the caller) and the acquired ranges.</summary>
public readonly record struct SharePartitionFetch(ReadResult Read, int Length, IReadOnlyList<AcquiredRange> Acquired, int Count, Task<bool> Persisted, ErrorCode Error)
{
    public static SharePartitionFetch Nothing { get; } = new(default, 0, [], 0, Task.FromResult(true), ErrorCode.None);
}

/// <summary>Share sessions, acknowledgements and acquisition: what ShareFetch and ShareAcknowledge do to share partitions.</summary>
public sealed partial class ShareGroupService
{
    /// <summary>
    /// Epoch 0 opens the member's session (replacing an old one); a positive epoch continues it, -1 too (the caller closes
    /// it). A session returned is in use until <see cref="EndRequest"/>.
    /// </summary>
    public (ShareSession? Session, ErrorCode Error) Session(string groupId, string memberId, int epoch, bool openAllowed = true)
    {
        EnsureLoaded();
        lock (_lock)
        {
            if (epoch == 0) return openAllowed ? _sessions.Open(groupId, memberId, NowMs) : (null, ShareErrorCodes.InvalidShareSessionEpoch);
            return _sessions.Continue(groupId, memberId, epoch, NowMs);
        }
    }

    /// <summary>Ends a request that <see cref="Session"/> started: the session's idle time counts from now.</summary>
    public void EndRequest(ShareSession session)
    {
        lock (_lock)
        {
            session.InFlight = Math.Max(0, session.InFlight - 1);
            session.LastUsedMs = NowMs;
        }
    }

    /// <summary>Adds and forgets partitions of a session, moves it to its next epoch, and returns its partitions now (a copy).</summary>
    public List<TopicIdPartition> UpdateSession(ShareSession session, IEnumerable<TopicIdPartition> add, IEnumerable<TopicIdPartition> forget, bool nextEpoch)
    {
        lock (_lock)
        {
            foreach (var p in forget) session.Remove(p);
            foreach (var p in add) session.Add(p);
            if (nextEpoch) session.NextEpoch();
            return [.. session.Partitions];
        }
    }

    /// <summary>
    /// Closes a session (final epoch -1): the member's acquired records in the session's partitions become available again.
    /// Returns whether the records of the release were persisted.
    /// </summary>
    public Task<bool> CloseSession(ShareSession session)
    {
        lock (_lock)
        {
            _sessions.Close(session.GroupId, session.MemberId);
            var records = new List<ShareStateValue>();
            ReleaseSession(session, records);
            return _stateLog.Append(records, NowMs);
        }
    }

    /// <summary>Releases what the session's member holds in the session's partitions (under the lock).</summary>
    private void ReleaseSession(ShareSession session, List<ShareStateValue> records)
    {
        int before = records.Count;
        foreach (var tp in session.Partitions)
        {
            if (_partitions.TryGetValue(new SharePartitionKey(session.GroupId, tp.TopicId, tp.Partition), out var p) && p.ReleaseAcquiredRecords(session.MemberId) is { } r)
            {
                records.Add(r);
            }
        }
        if (records.Count > before) SignalChanged();
    }

    /// <summary>
    /// Applies one partition's acknowledgements (all or nothing); the task says whether the change became durable. A
    /// partition the group never fetched has nothing acquired: INVALID_RECORD_STATE.
    /// </summary>
    public (ErrorCode Error, string? Message, Task<bool> Persisted) Acknowledge(string groupId, string memberId, TopicIdPartition tp, IReadOnlyList<ShareAcknowledgementBatch> batches)
    {
        var key = new SharePartitionKey(groupId, tp.TopicId, tp.Partition);
        lock (_lock)
        {
            var p = Existing(key);
            if (p is null) return (ShareErrorCodes.InvalidRecordState, $"The share partition {tp.TopicId}-{tp.Partition} has no acquired records.", Task.FromResult(true));
            p.Config = SettingsOf(groupId).Partition;
            var result = p.Acknowledge(memberId, batches);
            if (!result.Succeeded) return (result.Error, result.Message, Task.FromResult(true));
            if (result.Record is null) return (ErrorCode.None, null, Task.FromResult(true));
            SignalChanged();
            return (ErrorCode.None, null, _stateLog.Append([result.Record], NowMs));
        }
    }

    /// <summary>
    /// Acquires records of one partition for a member: reads the log at the share partition's next fetch offset (up to
    /// the high watermark, or the last stable offset under share.isolation.level read_committed) and acquires what the
    /// read holds, as far as <paramref name="maxRecords"/> allows. The returned batches end with the last one holding an
    /// acquired offset. A share partition seen first starts where share.auto.offset.reset says.
    /// </summary>
    public SharePartitionFetch Acquire(string groupId, string memberId, TopicIdPartition tp, IPartitionLog log, PartitionProducerState producers,
        int maxRecords, int maxBytes, ShareAcquireMode mode)
    {
        var key = new SharePartitionKey(groupId, tp.TopicId, tp.Partition);
        var settings = SettingsOf(groupId);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            long offset;
            Task<bool> initialized = Task.FromResult(true);
            lock (_lock)
            {
                var p = Existing(key);
                if (p is null)
                {
                    long start = settings.AutoOffsetReset.Resolve(log.LogStartOffset, UpTo(log, producers, settings), NowMs,
                        ts => log.FindOffsetByTimestamp(ts)?.Offset ?? log.HighWatermark);
                    p = SharePartition.Initialize(key, start, 0, 0, settings.Partition, _time, out var snapshot);
                    _partitions[key] = p;
                    initialized = _stateLog.Append([snapshot], NowMs);
                }
                p.Config = settings.Partition;
                if (log.LogStartOffset > p.StartOffset && p.OnLogStartOffsetAdvanced(log.LogStartOffset) is { } moved)
                {
                    initialized = _stateLog.Append([moved], NowMs);
                }
                if (!p.CanAcquire) return SharePartitionFetch.Nothing with { Persisted = initialized };
                offset = p.NextFetchOffset;
            }
            long upTo = UpTo(log, producers, settings);
            if (offset >= upTo) return SharePartitionFetch.Nothing with { Persisted = initialized };
            var read = log.Read(offset, maxBytes, upTo);
            if (read.Error == LogError.OffsetOutOfRange)
            {
                read.Dispose();
                continue; // the log start moved past the offset: the next attempt moves SPSO with it
            }
            if (read.Error != LogError.None)
            {
                read.Dispose();
                return SharePartitionFetch.Nothing with { Error = ErrorCode.KafkaStorageError };
            }
            return AcquireFrom(key, memberId, read, maxRecords, mode);
        }
        return SharePartitionFetch.Nothing;
    }

    private SharePartitionFetch AcquireFrom(SharePartitionKey key, string memberId, ReadResult read, int maxRecords, ShareAcquireMode mode)
    {
        var span = read.Records.Span;
        int n = 0;
        foreach (var _ in new RecordBatchEnumerator(span)) n++;
        if (n == 0)
        {
            read.Dispose();
            return SharePartitionFetch.Nothing;
        }
        var bounds = ArrayPool<LogBatchBounds>.Shared.Rent(n);
        var ends = ArrayPool<int>.Shared.Rent(n);
        try
        {
            int i = 0;
            foreach (var entry in new RecordBatchEnumerator(span))
            {
                bounds[i] = new LogBatchBounds(entry.Header.BaseOffset, entry.Header.LastOffset);
                ends[i++] = entry.Position + entry.Bytes.Length;
            }
            ShareAcquireResult result;
            Task<bool> persisted;
            lock (_lock)
            {
                var p = Existing(key);
                if (p is null)
                {
                    read.Dispose();
                    return SharePartitionFetch.Nothing;
                }
                result = p.Acquire(memberId, maxRecords, bounds.AsSpan(0, n), mode);
                persisted = result.Record is null ? Task.FromResult(true) : _stateLog.Append([result.Record], NowMs);
            }
            if (result.Count == 0)
            {
                read.Dispose();
                return SharePartitionFetch.Nothing with { Persisted = persisted };
            }
            // Return the batches up to the one holding the last acquired offset (the client skips what it did not acquire).
            long last = result.Acquired[^1].LastOffset;
            int length = read.Length;
            for (int k = 0; k < n; k++)
            {
                if (bounds[k].LastOffset >= last)
                {
                    length = ends[k];
                    break;
                }
            }
            return new SharePartitionFetch(read, length, result.Acquired, result.Count, persisted, ErrorCode.None);
        }
        finally
        {
            ArrayPool<LogBatchBounds>.Shared.Return(bounds);
            ArrayPool<int>.Shared.Return(ends);
        }
    }

    private static long UpTo(IPartitionLog log, PartitionProducerState producers, ShareGroupSettings settings) =>
        settings.IsolationLevel == ShareIsolationLevel.ReadCommitted ? Math.Min(producers.LastStableOffset, log.HighWatermark) : log.HighWatermark;

    /// <summary>The share partition in memory, or rebuilt from its persisted state (the first touch after a restart), or null.</summary>
    private SharePartition? Existing(SharePartitionKey key)
    {
        if (_partitions.TryGetValue(key, out var p)) return p;
        if (!_persisted.Remove(key, out var state)) return null;
        p = SharePartition.Recover(key, state, 0, SettingsOf(key.GroupId).Partition, _time);
        _partitions[key] = p;
        return p;
    }
}
