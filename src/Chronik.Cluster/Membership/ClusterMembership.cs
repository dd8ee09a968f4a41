using Chronik.Coordination.Membership;

namespace Chronik.Cluster.Membership;

/// <summary>
/// This broker's membership of the cluster: it registers its node id, listener and rack in the brokers table, then
/// one timer (not one per partition or connection) heartbeats every interval and, on the same tick, reads the live
/// brokers into the cached list that Metadata and DescribeCluster serve. A fenced heartbeat (another broker took the
/// node id after this one's session lapsed) stops the timer and reports <see cref="Fenced"/>: as a Kafka broker
/// whose epoch is stale, this session must not go on serving, so the host stops. Other failures (PostgreSQL
/// unreachable) are reported to <see cref="HeartbeatFailed"/> and retried on the next tick with the last list kept.
/// A clean stop (<see cref="Dispose"/>) ends the timer and removes this session's row, so the others drop it at once.
/// </summary>
public sealed class ClusterMembership : ILiveBrokers, IDisposable
{
    private readonly BrokerRegistry _registry;
    private readonly BrokerEndpoint _self;
    private readonly TimeSpan _interval;
    private readonly object _gate = new();
    private readonly Timer _timer;
    private volatile IReadOnlyList<LiveBroker> _brokers;
    private BrokerSession? _session;
    private bool _stopped;
    private volatile BrokerFencedException? _fenced;

    public ClusterMembership(BrokerRegistry registry, BrokerEndpoint self, TimeSpan heartbeatInterval)
    {
        if (heartbeatInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(heartbeatInterval), "the heartbeat interval must be positive");
        _registry = registry;
        _self = self;
        _interval = heartbeatInterval;
        _brokers = [ToLive(self)];
        _timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Raised (on the timer's thread) once, when this session was fenced; the timer has stopped.</summary>
    public event Action<BrokerFencedException>? Fenced;

    /// <summary>Raised (on the timer's thread) when a heartbeat or the live-broker read failed for another reason; the next tick retries.</summary>
    public event Action<Exception>? HeartbeatFailed;

    /// <summary>This broker's session once registered.</summary>
    public BrokerSession? Session => _session;

    /// <summary>Why this session was fenced, once it was (then <see cref="Fenced"/> has been raised), else null.</summary>
    public BrokerFencedException? FencedBy => _fenced;

    /// <summary>The live brokers as of the last tick, by node id; this broker always among them.</summary>
    public IReadOnlyList<LiveBroker> Brokers => _brokers;

    /// <summary>Registers (throws <see cref="NodeIdInUseException"/> when the node id is live elsewhere), reads the live brokers and starts the timer.</summary>
    public BrokerSession Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_session is not null) throw new InvalidOperationException("already started");
            _session = _registry.Register(_self);
            Refresh();
            _timer.Change(_interval, Timeout.InfiniteTimeSpan);
            return _session;
        }
    }

    /// <summary>Runs one heartbeat and refresh now (the timer does this every interval).</summary>
    public void Tick()
    {
        BrokerFencedException? fenced = null;
        Exception? failed = null;
        lock (_gate)
        {
            if (_stopped || _session is null) return;
            try
            {
                _registry.Heartbeat(_session);
                Refresh();
            }
            catch (BrokerFencedException e)
            {
                fenced = e;
                _fenced = e;
                _stopped = true;
            }
            catch (Exception e)
            {
                failed = e;
            }
            // One-shot rescheduling: a slow tick never overlaps the next one.
            if (!_stopped) _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        }
        if (fenced is not null) Fenced?.Invoke(fenced);
        else if (failed is not null) HeartbeatFailed?.Invoke(failed);
    }

    /// <summary>Stops the timer and unregisters this session (a no-op when it was fenced).</summary>
    public void Dispose()
    {
        BrokerSession? session;
        bool wasFenced;
        lock (_gate)
        {
            wasFenced = _fenced is not null || (_stopped && _session is not null);
            _stopped = true;
            session = _session;
            _timer.Dispose();
        }
        if (session is not null && !wasFenced) _registry.Unregister(session);
    }

    private void Refresh()
    {
        var live = _registry.LiveBrokers().Select(b => ToLive(b.Endpoint)).ToList();
        // This broker serves the very requests that read the list, so it is listed even if its row just lapsed.
        if (!live.Exists(b => b.NodeId == _self.NodeId))
        {
            live.Add(ToLive(_self));
            live.Sort(static (a, b) => a.NodeId.CompareTo(b.NodeId));
        }
        _brokers = live;
    }

    private static LiveBroker ToLive(BrokerEndpoint e) => new(e.NodeId, e.Host, e.Port, e.Rack);
}
