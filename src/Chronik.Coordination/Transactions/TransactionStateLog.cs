using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Transactions;

/// <summary>
/// Where the transaction coordinator's records live: a participant on the metadata store owning our
/// TransactionStateRecord. At registration it hands the replayed records to the coordinator; afterwards it keeps the
/// last record per transactional id as of the log (updated in Apply, in offset order), which is what a snapshot writes.
/// Appends are group-committed in call order: <see cref="Enqueue"/> (called under the coordinator's lock) fixes the
/// order, <see cref="WaitDurable"/> (called outside it) appends everything queued so far as one batch — one fsync for
/// every caller waiting — and runs the publications of each flushed change in order once it is durable.
/// Lock order: the flush lock, then the queue lock; the store's own locks inside the flush lock.
/// </summary>
public sealed class TransactionStateLog : IMetadataParticipant
{
    private readonly IMetadataStore _store;
    private readonly Action<IReadOnlyList<MetadataRecord>> _replay;
    private readonly object _flushLock = new();
    private readonly object _queueLock = new();
    private readonly Dictionary<string, MetadataRecord> _latest = new(StringComparer.Ordinal);
    private List<Pending> _queue = [];
    private Pending? _last;
    private bool _registered;

    /// <summary>Registers on <paramref name="store"/>; <paramref name="replay"/> gets every record replayed (possibly none).</summary>
    public TransactionStateLog(IMetadataStore store, Action<IReadOnlyList<MetadataRecord>> replay)
    {
        _store = store;
        _replay = replay;
        store.Register(this);
        _registered = true;
    }

    /// <summary>Whether the replay at registration held any record of ours.</summary>
    public bool ReplayedAny { get; private set; }

    /// <summary>A queued change: its records, the publications to run once durable, and how its flush went.</summary>
    public sealed class Pending
    {
        internal Pending(IReadOnlyList<MetadataRecord> records, IReadOnlyList<Action> completions)
        {
            Records = records;
            Completions = completions;
        }

        internal IReadOnlyList<MetadataRecord> Records { get; }
        internal IReadOnlyList<Action> Completions { get; }
        internal bool Done { get; set; }
        internal Exception? Error { get; set; }
    }

    /// <summary>
    /// Queues a change after every change queued before it; with no records, a barrier: waiting on it waits for
    /// everything queued before. Call in the order the coordinator made the changes (under its lock).
    /// </summary>
    public Pending Enqueue(IReadOnlyList<MetadataRecord> records, IReadOnlyList<Action> completions)
    {
        lock (_queueLock)
        {
            if (records.Count == 0 && completions.Count == 0) return _last ?? new Pending([], []) { Done = true };
            var p = new Pending(records, completions);
            _queue.Add(p);
            _last = p;
            return p;
        }
    }

    /// <summary>Returns once <paramref name="pending"/> is durable and published; an append failure is an <see cref="IOException"/>.</summary>
    public void WaitDurable(Pending pending)
    {
        lock (_flushLock)
        {
            if (!pending.Done) Flush();
        }
        if (pending.Error is { } e) throw new IOException("persisting the transaction state failed", e);
    }

    private void Flush()
    {
        List<Pending> batch;
        lock (_queueLock)
        {
            batch = _queue;
            _queue = [];
        }
        var records = batch.SelectMany(p => p.Records).ToList();
        Exception? error = null;
        try
        {
            if (records.Count > 0) _store.Append(records);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = e;
        }
        foreach (var p in batch)
        {
            if (error is null) foreach (var c in p.Completions) c();
            p.Error = error;
            p.Done = true;
        }
    }

    public bool Owns(short recordType) => TransactionRecords.IsTransactionRecord(recordType);

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        foreach (var r in records)
        {
            if (r.Message is not Protocol.Records.Metadata.TransactionStateRecord t) continue;
            string id = TransactionRecords.TransactionalIdOf(t);
            if (t.Value is null) _latest.Remove(id);
            else _latest[id] = r;
        }
        if (_registered) return;
        ReplayedAny = records.Count > 0;
        _replay(records);
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() => _latest.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToList();
}
