using Chronik.Coordination.Configs;
using Chronik.Coordination.Groups;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Records;
using Chronik.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Services;

/// <summary>
/// Owns the <see cref="GroupCoordinator"/>: serializes calls to it under one lock, appends the records each
/// call returns to the offsets log (<c>__consumer_offsets</c>, one partition, fsync per append) in call order,
/// runs the call's completions only after that, ticks the timers every 100 ms, and replays the log at start-up
/// (then rewrites the live records and drops the older ones when most of the log is dead).
/// Lock order: this service's lock → partition append lock (the append is issued under the lock so log order
/// is call order; the fsync wait happens outside it).
/// </summary>
public sealed class GroupCoordinatorService : IHostedService, IDisposable
{
    public const string OffsetsTopic = "__consumer_offsets";
    private const int MaxBatchBytes = 512 * 1024;
    private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(100);

    private readonly object _lock = new();
    private readonly GroupCoordinator _coordinator;
    private readonly TopicManager _topics;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupCoordinatorService> _logger;
    private IPartitionLog? _log;
    private Task<bool> _lastAppend = Task.FromResult(true);
    private volatile bool _loaded;
    private CancellationTokenSource? _stop;
    private Task? _ticker;

    public GroupCoordinatorService(BrokerOptions options, TopicManager topics, ILogger<GroupCoordinatorService> logger,
        IHostApplicationLifetime? lifetime = null, TimeProvider? time = null, GroupConfigStore? groupConfigs = null)
    {
        _topics = topics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _coordinator = new GroupCoordinator(ConfigFrom(options) with { GroupConfigs = groupConfigs });
        // Answer waiting joins and syncs as soon as shutdown begins, so their connections can close.
        lifetime?.ApplicationStopping.Register(AbortPending);
    }

    public static GroupCoordinatorConfig ConfigFrom(BrokerOptions o) => new()
    {
        MinSessionTimeoutMs = o.GroupMinSessionTimeoutMs,
        MaxSessionTimeoutMs = o.GroupMaxSessionTimeoutMs,
        InitialRebalanceDelayMs = o.GroupInitialRebalanceDelayMs,
        MaxGroupSize = o.GroupMaxSize,
        OffsetsRetentionMs = o.OffsetsRetentionMinutes * 60_000L,
        OffsetsRetentionCheckIntervalMs = o.OffsetsRetentionCheckIntervalMs,
        OffsetMetadataMaxBytes = o.OffsetMetadataMaxBytes,
        ConsumerHeartbeatIntervalMs = o.GroupConsumerHeartbeatIntervalMs,
        ConsumerSessionTimeoutMs = o.GroupConsumerSessionTimeoutMs,
    };

    /// <summary>The broker settings GROUP configs default to and are bounded by.</summary>
    public static GroupConfigBounds GroupConfigBoundsFrom(BrokerOptions o) => new()
    {
        ConsumerSessionTimeoutMs = o.GroupConsumerSessionTimeoutMs,
        ConsumerMinSessionTimeoutMs = o.GroupConsumerMinSessionTimeoutMs,
        ConsumerMaxSessionTimeoutMs = o.GroupConsumerMaxSessionTimeoutMs,
        ConsumerHeartbeatIntervalMs = o.GroupConsumerHeartbeatIntervalMs,
        ConsumerMinHeartbeatIntervalMs = o.GroupConsumerMinHeartbeatIntervalMs,
        ConsumerMaxHeartbeatIntervalMs = o.GroupConsumerMaxHeartbeatIntervalMs,
        ShareSessionTimeoutMs = o.GroupShareSessionTimeoutMs,
        ShareMinSessionTimeoutMs = Math.Min(45_000, o.GroupShareSessionTimeoutMs),
        ShareMaxSessionTimeoutMs = Math.Max(60_000, o.GroupShareSessionTimeoutMs),
        ShareHeartbeatIntervalMs = o.GroupShareHeartbeatIntervalMs,
        ShareMinHeartbeatIntervalMs = Math.Min(5_000, o.GroupShareHeartbeatIntervalMs),
        ShareMaxHeartbeatIntervalMs = Math.Max(15_000, o.GroupShareHeartbeatIntervalMs),
        ShareRecordLockDurationMs = o.GroupShareRecordLockDurationMs,
        ShareMinRecordLockDurationMs = Math.Min(15_000, o.GroupShareRecordLockDurationMs),
        ShareMaxRecordLockDurationMs = Math.Max(60_000, o.GroupShareRecordLockDurationMs),
        ShareDeliveryCountLimit = o.GroupShareDeliveryCountLimit,
    };

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Runs one coordinator operation: under the lock, call it and issue the append of its records; then
    /// release the requests it completed; then wait until its records are durable. Returns the response and
    /// whether the records were persisted.
    /// </summary>
    public async Task<(T Response, bool Persisted)> ExecuteAsync<T>(Func<GroupCoordinator, long, CoordinatorResult<T>> operation)
    {
        EnsureLoaded();
        CoordinatorResult<T> result;
        Task<bool> persisted;
        lock (_lock)
        {
            result = operation(_coordinator, Now);
            persisted = Persist(result.Records);
        }
        result.RunCompletions();
        return (result.Response, await persisted.ConfigureAwait(false));
    }

    /// <summary>For operations whose answer waits on other members (join, sync): the answer, after everything logged before it is durable.</summary>
    public async Task<T> ExecuteDeferredAsync<T>(Func<GroupCoordinator, long, CoordinatorResult<Task<T>>> operation)
    {
        var (pending, _) = await ExecuteAsync(operation).ConfigureAwait(false);
        var response = await pending.ConfigureAwait(false);
        Task<bool> barrier;
        lock (_lock) barrier = _lastAppend;
        await barrier.ConfigureAwait(false);
        return response;
    }

    /// <summary>The topics as the consumer group (KIP-848) assignors see them, read afresh for every call.</summary>
    public IReadOnlyList<ConsumerTopic> ConsumerTopics() =>
        _topics.Topics.Select(t => new ConsumerTopic(t.Name, t.Id, t.PartitionCount, t.IsInternal)).ToList();

    /// <summary>A read-only look at the coordinator (describe, list, fetch offsets).</summary>
    public T Read<T>(Func<GroupCoordinator, T> query)
    {
        EnsureLoaded();
        lock (_lock) return query(_coordinator);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureLoaded();
        // The first tick runs the offset-expiry sweep now, before any request (Kafka schedules it with no initial
        // delay), so a request that advances the timers itself (DeleteGroups) never triggers that first sweep.
        Tick();
        _stop = new CancellationTokenSource();
        _ticker = TickLoopAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_ticker is not null) await _ticker.ConfigureAwait(false);
        AbortPending();
    }

    private void AbortPending()
    {
        CoordinatorResult<int> aborted;
        lock (_lock) aborted = _coordinator.AbortPending(Protocol.Messages.ErrorCode.NotCoordinator);
        aborted.RunCompletions();
    }

    public void Dispose() => _stop?.Dispose();

    /// <summary>Advances the coordinator's timers to now (the tick loop calls it; tests may too).</summary>
    public void Tick()
    {
        EnsureLoaded();
        CoordinatorResult<int> result;
        lock (_lock)
        {
            result = _coordinator.Tick(Now);
            _ = Persist(result.Records);
        }
        result.RunCompletions();
    }

    private async Task TickLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TickPeriod, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    Tick();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One bad tick must not stop the timers of every group.
                    _logger.LogError(e, "Group coordinator tick failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task<bool> Persist(IReadOnlyList<CoordinatorRecord> records)
    {
        if (records.Count == 0 || _log is null) return Task.FromResult(true);
        long now = Now;
        Task<bool>? last = null;
        using var builder = new RecordBatchBuilder();
        int bytes = 0;
        var tasks = new List<Task<bool>>();
        foreach (var r in records)
        {
            if (builder.Count > 0 && bytes + r.Key.Length + (r.Value?.Length ?? 0) > MaxBatchBytes)
            {
                tasks.Add(AppendBatch(builder.ToArray()));
                builder.Reset();
                bytes = 0;
            }
            // Spelled out: Append(now, key, value) binds to the span overload, where a null value becomes an empty
            // one, and a tombstone must stay a null value (an empty one does not decode at replay).
            builder.Append(now, r.Key, false, r.Value, r.Value is null, default);
            bytes += r.Key.Length + (r.Value?.Length ?? 0) + 32;
        }
        tasks.Add(AppendBatch(builder.ToArray()));
        last = tasks.Count == 1 ? tasks[0] : AllAsync(tasks);
        _lastAppend = last;
        return last;

        static async Task<bool> AllAsync(List<Task<bool>> tasks)
        {
            bool ok = true;
            foreach (var t in tasks) ok &= await t.ConfigureAwait(false);
            return ok;
        }
    }

    private async Task<bool> AppendBatch(byte[] batch)
    {
        try
        {
            var result = await _log!.AppendAsync(batch, AppendOptions.Default).ConfigureAwait(false);
            if (result.Error == LogError.None) return true;
            _logger.LogError("Appending to {Topic} failed: {Error}", OffsetsTopic, result.Error);
            return false;
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Appending to {Topic} failed", OffsetsTopic);
            return false;
        }
    }

    private void EnsureLoaded()
    {
        if (_loaded) return;
        lock (_lock)
        {
            if (_loaded) return;
            Load();
            _loaded = true;
        }
    }

    private void Load()
    {
        var topic = _topics.Get(OffsetsTopic);
        if (topic is null)
        {
            var configs = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [TopicConfigKeys.CleanupPolicy.Name] = "compact",
                [TopicConfigKeys.RetentionMs.Name] = "-1",
                [TopicConfigKeys.RetentionBytes.Name] = "-1",
                [TopicConfigKeys.SegmentBytes.Name] = "104857600",
                [TopicConfigKeys.FlushMessages.Name] = "1",
            };
            var created = _topics.Create(OffsetsTopic, 1, 1, configs, validateOnly: false);
            if (created.Error != Protocol.Messages.ErrorCode.None && _topics.Get(OffsetsTopic) is null)
            {
                throw new InvalidOperationException($"cannot create {OffsetsTopic}: {created.Error} {created.Message}");
            }
        }
        _log = _topics.GetLog(OffsetsTopic, 0) ?? throw new InvalidOperationException($"{OffsetsTopic}-0 has no log");
        long now = Now, started = Environment.TickCount64;
        _coordinator.BeginOffsetsLogReplay();
        var (records, loaded) = Replay(_log, now);
        int live = _coordinator.SnapshotRecords().Count;
        _logger.LogInformation("Loaded {Groups} group(s) from {Records} record(s) of {Topic} in {Ms} ms", _coordinator.GroupCount, records, OffsetsTopic, Environment.TickCount64 - started);
        if (!_coordinator.HasFormatMarker)
        {
            // A new log, or one from a release before the marker: everything appended from here on is in Kafka's layouts.
            if (!Persist([OffsetsLogFormat.Marker()]).GetAwaiter().GetResult()) throw new InvalidOperationException($"cannot write the format marker to {OffsetsTopic}");
            if (records > 0) _logger.LogInformation("{Topic} was written by an earlier release: its consumer group records were read in their earlier layout; new records are in Kafka's", OffsetsTopic);
        }
        if (records > 10_000 && records > 4L * live) Compact(loaded);
    }

    /// <summary>Reads the whole offsets log into the coordinator; returns how many records there were and the offset after the last.</summary>
    private (long Records, long End) Replay(IPartitionLog log, long now) =>
        KeyedLogReplay.ReadAll(log, (key, value) => _coordinator.Replay(key, value, now));

    /// <summary>Rewrites the live state at the log end and moves the log start past the old records (compaction by snapshot).</summary>
    private void Compact(long snapshotStart)
    {
        var snapshot = _coordinator.SnapshotRecords();
        if (snapshot.Count > 0)
        {
            if (!Persist(snapshot).GetAwaiter().GetResult()) return;
        }
        _log!.DeleteRecordsBefore(snapshotStart);
        _logger.LogInformation("Compacted {Topic}: {Live} live record(s) rewritten from offset {Offset}", OffsetsTopic, snapshot.Count, snapshotStart);
    }
}
