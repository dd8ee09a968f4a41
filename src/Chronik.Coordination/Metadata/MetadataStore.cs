namespace Chronik.Coordination.Metadata;

/// <summary>
/// The ordering, dispatch and snapshot logic both stores share; subclasses persist batches and snapshots.
/// An append encodes outside any lock, takes an offset and a turn and writes under the write lock, waits for its
/// bytes to be durable (a subclass shares one fsync among waiting appenders), then waits for its turn, so batches
/// reach participants in offset order. A snapshot or a registration is taken in a turn of its own, so no batch is
/// applied meanwhile. Lock order: the sync lock before the write lock; the turn lock is taken alone.
/// </summary>
public abstract class MetadataStore : IMetadataStore
{
    private readonly MetadataStoreOptions _options;
    private readonly object _writeLock = new();
    private readonly object _turnLock = new();
    private readonly MetadataParticipants _participants = new();
    private long _nextOffset;
    private long _turnsTaken;
    private long _turnsDone;
    private long _bytesSinceSnapshot;
    private Exception? _failure;
    private bool _disposed;
    // The decoded records below End, kept between the registrations of start-up (each holder would otherwise read and
    // decode the whole log again) and dropped at the next append or snapshot; used only in a turn.
    private (long End, List<MetadataRecord> Records)? _replayed;

    protected MetadataStore(MetadataStoreOptions? options) => _options = options ?? new MetadataStoreOptions();

    /// <summary>Sets the offset after recovery (subclass constructors call it once).</summary>
    protected void Recovered(long nextOffset) => _nextOffset = nextOffset;

    public long NextOffset { get { lock (_writeLock) return _nextOffset; } }

    /// <summary>Writes an encoded batch after every earlier one (under the write lock); returns a token for <see cref="Sync"/>.</summary>
    protected abstract long Write(byte[] batch);

    /// <summary>Returns once the bytes written up to <paramref name="token"/> are durable.</summary>
    protected abstract void Sync(long token);

    /// <summary>The encoded batches of the latest snapshot and its end offset (the first offset it does not cover), or null.</summary>
    protected abstract (long End, IReadOnlyList<ReadOnlyMemory<byte>> Batches)? ReadSnapshot();

    /// <summary>The encoded log batches with base offsets in [<paramref name="from"/>, <paramref name="to"/>), in order.</summary>
    protected abstract IEnumerable<ReadOnlyMemory<byte>> ReadLog(long from, long to);

    /// <summary>Durably stores a snapshot ending at <paramref name="end"/>, then drops log it covers (called in a turn, after <see cref="Roll"/>).</summary>
    protected abstract void WriteSnapshot(long end, IReadOnlyList<byte[]> batches);

    /// <summary>Starts a new log segment at <paramref name="nextOffset"/> (under the write lock; a no-op for stores without segments).</summary>
    protected virtual void Roll(long nextOffset) { }

    /// <summary>Runs <paramref name="roll"/> under whatever lock keeps syncs away, then under the write lock.</summary>
    protected virtual void Exclusive(Action roll) { lock (_writeLock) roll(); }

    public long Append(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) throw new ArgumentException("an empty metadata batch", nameof(records));
        byte[] batch = MetadataBatch.Encode(0, records);
        long baseOffset, turn, token;
        lock (_writeLock)
        {
            ThrowIfUnusable();
            baseOffset = _nextOffset;
            MetadataBatch.SetBaseOffset(batch, baseOffset);
            turn = _turnsTaken++;
            try
            {
                token = Write(batch);
                _nextOffset += records.Count;
            }
            catch (Exception e)
            {
                _failure = e;
                FinishTurn(turn, waitFirst: true);
                throw;
            }
        }
        try
        {
            Sync(token);
        }
        catch (Exception e)
        {
            lock (_writeLock) _failure ??= e;
            FinishTurn(turn, waitFirst: true);
            throw;
        }
        WaitTurn(turn);
        try
        {
            _replayed = null;
            _participants.Dispatch(records);
            _bytesSinceSnapshot += batch.Length;
            if (_bytesSinceSnapshot >= _options.SnapshotAfterBytes) Snapshot(baseOffset + records.Count);
        }
        finally
        {
            FinishTurn(turn, waitFirst: false);
        }
        return baseOffset;
    }

    public void Register(IMetadataParticipant participant)
    {
        long turn, end;
        lock (_writeLock)
        {
            ThrowIfUnusable();
            turn = _turnsTaken++;
            end = _nextOffset;
        }
        WaitTurn(turn);
        try
        {
            participant.Apply(ReadAll(end).Where(r => participant.Owns(r.Type)).ToList());
            _participants.Add(participant);
        }
        finally
        {
            FinishTurn(turn, waitFirst: false);
        }
    }

    public void TakeSnapshot()
    {
        long turn, end;
        lock (_writeLock)
        {
            ThrowIfUnusable();
            turn = _turnsTaken++;
            end = _nextOffset;
        }
        WaitTurn(turn);
        try
        {
            Snapshot(end);
        }
        finally
        {
            FinishTurn(turn, waitFirst: false);
        }
    }

    /// <summary>Every record below <paramref name="end"/>: the snapshot's, then the log's (decoded once for every registration at that offset).</summary>
    private List<MetadataRecord> ReadAll(long end)
    {
        if (_replayed is { } cached && cached.End == end) return cached.Records;
        var records = new List<MetadataRecord>();
        long from = 0;
        if (ReadSnapshot() is { } snapshot)
        {
            from = snapshot.End;
            foreach (var b in snapshot.Batches) records.AddRange(MetadataBatch.Decode(b));
        }
        foreach (var b in ReadLog(from, end)) records.AddRange(MetadataBatch.Decode(b));
        _replayed = (end, records);
        return records;
    }

    /// <summary>
    /// Writes the participants' state plus, verbatim, every record no participant owns (a holder not created in this
    /// process loses nothing), as of <paramref name="end"/>; called in a turn, so no batch is applied meanwhile.
    /// </summary>
    private void Snapshot(long end)
    {
        var participants = _participants.ToArray();
        var records = ReadAll(end).Where(r => !participants.Any(p => p.OwnsRecord(r))).ToList();
        _replayed = null;
        foreach (var p in participants) records.AddRange(p.SnapshotRecords());
        var batches = new List<byte[]>();
        for (int i = 0; i < records.Count; i += 1000) batches.Add(MetadataBatch.Encode(i, records.GetRange(i, Math.Min(1000, records.Count - i))));
        // Roll first: the segment that held the snapshot's records is then closed and, when no append ran past it, deleted.
        Exclusive(() => Roll(_nextOffset));
        WriteSnapshot(end, batches);
        _bytesSinceSnapshot = 0;
    }

    private void WaitTurn(long turn)
    {
        lock (_turnLock)
        {
            while (_turnsDone != turn) Monitor.Wait(_turnLock);
        }
    }

    private void FinishTurn(long turn, bool waitFirst)
    {
        if (waitFirst)
        {
            // A failed append still takes its turn in order, so the turns after it are not stranded.
            ThreadPool.UnsafeQueueUserWorkItem(_ => { WaitTurn(turn); FinishTurn(turn, false); }, null);
            return;
        }
        lock (_turnLock)
        {
            _turnsDone = turn + 1;
            Monitor.PulseAll(_turnLock);
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null) throw new IOException("the metadata store failed earlier and takes no more changes", _failure);
    }

    /// <summary>Closes files (subclasses); appends after it throw.</summary>
    protected virtual void Close() { }

    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        Close();
        GC.SuppressFinalize(this);
    }
}
