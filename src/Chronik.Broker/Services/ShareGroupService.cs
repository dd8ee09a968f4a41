using Chronik.Coordination.Configs;
using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;
using Chronik.Coordination.Topics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Services;

/// <summary>
/// Owns share groups (KIP-932): the membership coordinator (<see cref="ShareGroupCoordinator"/>), the delivery state of
/// every share partition (<see cref="SharePartition"/>), the share sessions, and their persistence in
/// <c>__share_group_state</c>. One lock serialises every operation on them; the state records an operation returns are
/// appended under it (log order = change order) and awaited outside it before the client is answered. A 100 ms tick
/// fences members whose share session timed out (releasing what they held) and releases expired acquisition locks.
/// Lock order: this lock → the group coordinator's (IsOtherGroup) → partition append locks.
/// Membership is kept in memory only: after a restart a group with delivery state is back, empty; a member's heartbeat
/// gets UNKNOWN_MEMBER_ID and it rejoins with epoch 0, as a share consumer does; the delivery state survives.
/// </summary>
public sealed partial class ShareGroupService : IHostedService, IDisposable
{
    private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(100);

    private readonly object _lock = new();
    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    private readonly GroupConfigStore _configs;
    private readonly TimeProvider _time;
    private readonly ILogger<ShareGroupService> _logger;
    private readonly ShareGroupCoordinator _coordinator;
    private readonly ShareStateLog _stateLog;
    private readonly Dictionary<SharePartitionKey, SharePartition> _partitions = [];
    private readonly ShareSessions _sessions = new();
    private Dictionary<SharePartitionKey, PersistedShareState> _persisted = [];
    private readonly Dictionary<string, (IReadOnlyDictionary<string, string> Source, ShareGroupSettings Settings)> _settings = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private volatile bool _loaded;
    private CancellationTokenSource? _stop;
    private Task? _ticker;

    public ShareGroupService(BrokerOptions options, TopicManager topics, GroupConfigStore configs, GroupCoordinatorService groups,
        ILogger<ShareGroupService> logger, TimeProvider? time = null)
    {
        _options = options;
        _topics = topics;
        _configs = configs;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _stateLog = new ShareStateLog(topics, logger);
        _coordinator = new ShareGroupCoordinator(new ShareGroupCoordinatorConfig
        {
            MaxGroupSize = options.GroupShareMaxSize,
            SettingsFor = SettingsOf,
            IsOtherGroup = id => groups.Read(c => c.StateOf(id) is { } s && s != GroupState.Dead),
        }, _time);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when records may have become available again (released, lock expired): share fetches waiting wake up.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock) return _changed.Task;
        }
    }

    private void SignalChanged()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
    }

    /// <summary>The share group's settings: its share.* group configs over the broker's group.share.* defaults (cached per config table).</summary>
    public ShareGroupSettings SettingsOf(string groupId)
    {
        var source = _configs.Get(groupId);
        lock (_settings)
        {
            if (_settings.TryGetValue(groupId, out var c) && ReferenceEquals(c.Source, source)) return c.Settings;
            var settings = ShareGroupSettings.Resolve(_configs.Bounds, source, new SharePartitionConfig { DeliveryCountLimit = _options.GroupShareDeliveryCountLimit });
            _settings[groupId] = (source, settings);
            return settings;
        }
    }

    public bool IsShareGroup(string groupId)
    {
        EnsureLoaded();
        lock (_lock) return _coordinator.HasGroup(groupId);
    }

    public ShareGroupDescription? Describe(string groupId)
    {
        EnsureLoaded();
        lock (_lock) return _coordinator.Describe(groupId);
    }

    public IReadOnlyList<(string GroupId, string State)> List()
    {
        EnsureLoaded();
        lock (_lock) return _coordinator.List();
    }

    /// <summary>ShareGroupHeartbeat: members that left or were fenced release what they hold and lose their share session.</summary>
    public async Task<ShareGroupHeartbeatAnswer> HeartbeatAsync(ShareGroupHeartbeatCall call)
    {
        EnsureLoaded();
        var topics = _topics.Topics.Select(t => new ConsumerTopic(t.Name, t.Id, t.PartitionCount, t.IsInternal)).ToList();
        Task<bool> persisted;
        ShareGroupHeartbeatAnswer answer;
        lock (_lock)
        {
            var result = _coordinator.Heartbeat(call, topics);
            answer = result.Response;
            var records = new List<ShareStateValue>();
            RemoveMembers(result.RemovedMembers, records);
            persisted = _stateLog.Append(records, NowMs);
        }
        await persisted.ConfigureAwait(false);
        return answer;
    }

    /// <summary>
    /// DeleteGroups on a share group: an empty group goes with its delivery state (tombstones in __share_group_state);
    /// GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP otherwise.
    /// </summary>
    public async Task<Protocol.Messages.ErrorCode> DeleteAsync(string groupId)
    {
        EnsureLoaded();
        Task<bool> persisted;
        lock (_lock)
        {
            var result = _coordinator.Delete(groupId);
            if (result.Response != Protocol.Messages.ErrorCode.None) return result.Response;
            _sessions.CloseGroup(groupId);
            persisted = ForgetPartitions(k => k.GroupId == groupId);
        }
        return await persisted.ConfigureAwait(false) ? Protocol.Messages.ErrorCode.None : Protocol.Messages.ErrorCode.CoordinatorNotAvailable;
    }

    /// <summary>Drops the state of the matching share partitions and issues their tombstones (under the lock).</summary>
    private Task<bool> ForgetPartitions(Func<SharePartitionKey, bool> match)
    {
        var keys = _partitions.Keys.Where(match).Concat(_persisted.Keys.Where(match)).Distinct().ToList();
        foreach (var key in keys)
        {
            _partitions.Remove(key);
            _persisted.Remove(key);
        }
        return _stateLog.AppendTombstones(keys, NowMs);
    }

    private void RemoveMembers(IReadOnlyList<(string GroupId, string MemberId)> removed, List<ShareStateValue> records)
    {
        if (removed.Count == 0) return;
        bool released = false;
        foreach (var (groupId, memberId) in removed)
        {
            _sessions.Close(groupId, memberId);
            foreach (var (key, p) in _partitions)
            {
                if (key.GroupId != groupId) continue;
                if (p.ReleaseAcquiredRecords(memberId) is { } r)
                {
                    records.Add(r);
                    released = true;
                }
            }
        }
        if (released) SignalChanged();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureLoaded();
        _stop = new CancellationTokenSource();
        _ticker = TickLoopAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_ticker is not null) await _ticker.ConfigureAwait(false);
    }

    public void Dispose() => _stop?.Dispose();

    /// <summary>Fences timed-out members and releases expired acquisition locks (the tick loop calls it; tests may too).</summary>
    public void Tick()
    {
        EnsureLoaded();
        lock (_lock)
        {
            long now = NowMs;
            var records = new List<ShareStateValue>();
            var expired = _coordinator.ExpireSessions();
            RemoveMembers(expired.RemovedMembers, records);
            foreach (var idle in _sessions.EvictIdle(now, g => SettingsOf(g).SessionTimeoutMs)) ReleaseSession(idle, records);
            bool released = false;
            foreach (var p in _partitions.Values)
            {
                if (p.NextLockDeadlineMs > now) continue;
                if (p.ReleaseExpiredLocks() is { } r)
                {
                    records.Add(r);
                    released = true;
                }
            }
            if (released) SignalChanged();
            _ = _stateLog.Append(records, now);
        }
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
                    _logger.LogError(e, "Share group tick failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void EnsureLoaded()
    {
        if (_loaded) return;
        lock (_lock)
        {
            if (_loaded) return;
            var (states, records, end) = _stateLog.Load();
            _persisted = states;
            // Membership is not persisted: a group with delivery state comes back empty, so ListGroups, ShareGroupDescribe
            // and DeleteGroups still see it; its members rejoin with epoch 0.
            foreach (string groupId in states.Keys.Select(k => k.GroupId).Distinct()) _coordinator.Replay(new ShareGroupEpochRecord(groupId, 0, 0));
            // Rewrite the live state as snapshots at the log end and drop the older records once most of the log is dead.
            if (records > 10_000 && records > 4L * states.Count)
            {
                var snapshots = new List<ShareStateValue>(states.Count);
                foreach (var (key, state) in states)
                {
                    var p = SharePartition.Recover(key, state, 0, SettingsOf(key.GroupId).Partition, _time);
                    _partitions[key] = p;
                    snapshots.Add(p.TakeSnapshot());
                }
                _persisted = [];
                if (_stateLog.Append(snapshots, NowMs).GetAwaiter().GetResult()) _stateLog.DeleteBefore(end);
            }
            _loaded = true;
        }
    }
}
