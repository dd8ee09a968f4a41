using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// The delivery state of one topic partition for one share group (KIP-932, Kafka's SharePartition): the
/// share-partition start offset (SPSO), the in-flight records above it with their states, delivery counts
/// and acquisition locks, and the first offset never fetched. Deterministic and single-threaded: the owner
/// serialises calls, reads time from the injected <see cref="TimeProvider"/>, and persists the record each
/// mutating call returns before it answers the client (records out; <see cref="Recover"/> replays them).
/// Unlike Kafka, an acquisition is persisted too (as AVAILABLE with the raised delivery count), so a broker
/// crash counts the delivery that was in progress and a poison record still reaches the delivery limit.
/// </summary>
public sealed partial class SharePartition
{
    private readonly TimeProvider _time;
    private readonly InFlightRecords _inFlight = new();
    private readonly List<(long First, long Last)> _touched = [];
    private int _snapshotEpoch;
    private int _updatesSinceSnapshot;
    private long _createTimestampMs;

    private SharePartition(SharePartitionKey key, SharePartitionConfig config, TimeProvider time)
    {
        Key = key;
        Config = config;
        _time = time;
    }

    public SharePartitionKey Key { get; }

    /// <summary>The settings in force; the owner may replace them when group configs change.</summary>
    public SharePartitionConfig Config { get; set; }

    /// <summary>The share-partition start offset: every offset below it is finished for this group.</summary>
    public long StartOffset { get; private set; }

    /// <summary>The first offset never acquired (one past Kafka's share-partition end offset).</summary>
    public long FirstUnfetchedOffset { get; private set; }

    public int StateEpoch { get; private set; }

    public int LeaderEpoch { get; private set; }

    /// <summary>Offsets from SPSO up to the first unfetched one: what counts against the record-lock cap.</summary>
    public long InFlightCount => FirstUnfetchedOffset - StartOffset;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// A share partition the group has no state for yet, starting at <paramref name="startOffset"/> (resolved
    /// from share.auto.offset.reset by the caller); <paramref name="snapshot"/> is its first state record.
    /// </summary>
    public static SharePartition Initialize(SharePartitionKey key, long startOffset, int stateEpoch, int leaderEpoch,
        SharePartitionConfig config, TimeProvider time, out ShareSnapshotRecord snapshot)
    {
        var p = new SharePartition(key, config, time) { StartOffset = startOffset, FirstUnfetchedOffset = startOffset, StateEpoch = stateEpoch, LeaderEpoch = leaderEpoch };
        p._createTimestampMs = p.NowMs;
        p._snapshotEpoch = -1;
        snapshot = p.TakeSnapshot();
        return p;
    }

    /// <summary>
    /// Rebuilds a share partition from its persisted state after a restart or leader change: nothing is
    /// acquired any more (records that were are AVAILABLE with their delivery counts, or ARCHIVED if that
    /// delivery was their last), acknowledged and archived records stay finished, and offsets between
    /// persisted batches are fresh records.
    /// </summary>
    public static SharePartition Recover(SharePartitionKey key, PersistedShareState state, int leaderEpoch, SharePartitionConfig config, TimeProvider time)
    {
        var p = new SharePartition(key, config, time)
        {
            StartOffset = state.StartOffset,
            StateEpoch = state.StateEpoch,
            LeaderEpoch = leaderEpoch,
            _snapshotEpoch = state.SnapshotEpoch,
            _createTimestampMs = state.CreateTimestampMs,
        };
        long next = state.StartOffset;
        foreach (var b in state.StateBatches)
        {
            if (b.LastOffset < next) continue;
            long first = Math.Max(b.FirstOffset, next);
            if (first > next) p._inFlight.Append(new InFlightRange(next, first - 1, DeliveryState.Available, 0));
            var s = b.DeliveryState == DeliveryState.Acquired ? DeliveryState.Available : b.DeliveryState;
            // A record whose last permitted delivery was under way at the crash has had its deliveries.
            if (s == DeliveryState.Available && b.DeliveryCount >= config.DeliveryCountLimit) s = DeliveryState.Archived;
            p._inFlight.Append(new InFlightRange(first, b.LastOffset, s, b.DeliveryCount));
            next = b.LastOffset + 1;
        }
        p.FirstUnfetchedOffset = next;
        p.AdvanceStartOffset();
        p._inFlight.Coalesce();
        return p;
    }

    /// <summary>Where the next share fetch should read the log: the first AVAILABLE in-flight offset, else the first unfetched one.</summary>
    public long NextFetchOffset
    {
        get
        {
            foreach (var r in _inFlight.Ranges)
            {
                if (r.State == DeliveryState.Available && r.Last >= StartOffset) return Math.Max(r.First, StartOffset);
            }
            return FirstUnfetchedOffset;
        }
    }

    /// <summary>Whether a fetch could acquire anything: records to redeliver, or room under the record-lock cap.</summary>
    public bool CanAcquire => NextFetchOffset < FirstUnfetchedOffset || InFlightCount < Config.MaxRecordLocks;

    /// <summary>When the earliest acquisition lock expires (ms since the epoch), or long.MaxValue.</summary>
    public long NextLockDeadlineMs
    {
        get
        {
            long min = long.MaxValue;
            foreach (var r in _inFlight.Ranges)
            {
                if (r.State == DeliveryState.Acquired && r.LockDeadlineMs < min) min = r.LockDeadlineMs;
            }
            return min;
        }
    }

    /// <summary>KIP-1226's delivery-complete count: offsets at or above SPSO that are acknowledged or archived.</summary>
    public int DeliveryCompleteCount
    {
        get
        {
            long n = 0;
            foreach (var r in _inFlight.Ranges)
            {
                if (r.IsTerminal && r.Last >= StartOffset) n += r.Last - Math.Max(r.First, StartOffset) + 1;
            }
            return (int)Math.Min(n, int.MaxValue);
        }
    }

    /// <summary>The in-flight runs, in offset order.</summary>
    public IReadOnlyList<ShareInFlightBatch> InFlight()
    {
        var result = new List<ShareInFlightBatch>(_inFlight.Count);
        foreach (var r in _inFlight.Ranges) result.Add(new ShareInFlightBatch(r.First, r.Last, r.State, r.DeliveryCount, r.MemberId));
        return result;
    }

    /// <summary>
    /// Moves SPSO past the finished head: ranges below SPSO are skipped, then acknowledged and archived ones.
    /// Ranges below SPSO that are still acquired stay until their owner settles them or their lock expires.
    /// </summary>
    private void AdvanceStartOffset()
    {
        long start = StartOffset;
        bool found = false;
        foreach (var r in _inFlight.Ranges)
        {
            if (r.Last < start) continue;
            if (!r.IsTerminal)
            {
                start = Math.Max(start, r.First);
                found = true;
                break;
            }
            start = r.Last + 1;
        }
        if (!found) start = Math.Max(start, FirstUnfetchedOffset);
        StartOffset = start;
        if (FirstUnfetchedOffset < StartOffset) FirstUnfetchedOffset = StartOffset;
        _inFlight.DropFinishedHead(StartOffset);
    }

    private static ShareAckResult Error(ErrorCode code, string message) => new(code, message, null);
}
