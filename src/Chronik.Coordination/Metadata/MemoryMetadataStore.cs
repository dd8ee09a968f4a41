namespace Chronik.Coordination.Metadata;

/// <summary>What an in-memory metadata store keeps; a second store opened on the same one replays it (a "restart" in tests).</summary>
public sealed class MemoryMetadataLog
{
    internal readonly object Lock = new();
    internal readonly List<(long BaseOffset, int Count, byte[] Batch)> Batches = [];
    internal (long End, IReadOnlyList<ReadOnlyMemory<byte>> Batches)? Snapshot;

    /// <summary>The next offset after the last batch (or the snapshot's end).</summary>
    internal long End => Batches.Count > 0 ? Batches[^1].BaseOffset + Batches[^1].Count : Snapshot?.End ?? 0;
}

/// <summary>The metadata store in memory, for tests and brokers on the in-memory log store; same contract as the local one.</summary>
public sealed class MemoryMetadataStore : MetadataStore
{
    private readonly MemoryMetadataLog _log;

    public MemoryMetadataStore(MemoryMetadataLog? log = null, MetadataStoreOptions? options = null) : base(options)
    {
        _log = log ?? new MemoryMetadataLog();
        lock (_log.Lock) Recovered(_log.End);
    }

    protected override long Write(byte[] batch)
    {
        lock (_log.Lock)
        {
            MetadataBatch.TryRead(batch, out long baseOffset, out int count, out _);
            _log.Batches.Add((baseOffset, count, batch));
        }
        return 0;
    }

    protected override void Sync(long token) { }

    protected override (long End, IReadOnlyList<ReadOnlyMemory<byte>> Batches)? ReadSnapshot()
    {
        lock (_log.Lock) return _log.Snapshot;
    }

    protected override IEnumerable<ReadOnlyMemory<byte>> ReadLog(long from, long to)
    {
        lock (_log.Lock) return _log.Batches.Where(b => b.BaseOffset >= from && b.BaseOffset < to).Select(b => (ReadOnlyMemory<byte>)b.Batch).ToList();
    }

    protected override void WriteSnapshot(long end, IReadOnlyList<byte[]> batches)
    {
        lock (_log.Lock)
        {
            _log.Snapshot = (end, batches.Select(b => (ReadOnlyMemory<byte>)b).ToList());
            _log.Batches.RemoveAll(b => b.BaseOffset < end);
        }
    }
}
