using System.Buffers;
using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Objects.Format;

/// <summary>
/// Gathers one commit window's record batches, copying each once into pooled chunks of its partition, then lays
/// them out as a commit-window object (<see cref="CommitWindowLayout"/>) without another copy: the result is a
/// sequence over the same chunks plus one block for the index and footer. Not thread-safe: the broker's window
/// owner adds from one place. Dispose the writer (or the built object) to return the chunks.
/// </summary>
public sealed class CommitWindowWriter : IDisposable
{
    /// <summary>Chunk size: large enough that a window of small batches needs few, small enough to pool.</summary>
    public const int ChunkSize = 128 * 1024;

    private readonly Dictionary<(Guid Topic, int Partition), PartitionChunks> _partitions = [];
    private bool _built;

    /// <summary>Bytes of batches added so far (the object is this plus the index and footer).</summary>
    public long DataBytes { get; private set; }

    public int BatchCount { get; private set; }

    public int PartitionCount => _partitions.Count;

    /// <summary>Appends one whole record batch (magic 2) of <paramref name="topicId"/>-<paramref name="partition"/>; its bytes are copied.</summary>
    public void Add(Guid topicId, int partition, ReadOnlySpan<byte> batch)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        int records = RecordsIn(batch);
        if (!_partitions.TryGetValue((topicId, partition), out var chunks)) _partitions[(topicId, partition)] = chunks = new PartitionChunks();
        chunks.Append(batch, records);
        DataBytes += batch.Length;
        BatchCount++;
    }

    /// <summary>Lays the object out; the writer's chunks now belong to the result (dispose it, not the writer, to release them).</summary>
    public CommitWindowObject Build(DateTimeOffset createdAt)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        _built = true;
        var order = _partitions.OrderBy(p => p.Key, Comparer<(Guid Topic, int Partition)>.Create((a, b) => CommitWindowLayout.Compare(a.Topic, a.Partition, b.Topic, b.Partition))).ToList();
        var index = new PartitionRange[order.Count];
        var arrays = new List<byte[]>();
        Segment? first = null, last = null;
        long position = 0;
        for (int i = 0; i < order.Count; i++)
        {
            var (key, chunks) = (order[i].Key, order[i].Value);
            index[i] = new PartitionRange(key.Topic, key.Partition, position, chunks.Length, chunks.Batches, chunks.Records);
            foreach (var (array, used) in chunks.Chunks)
            {
                arrays.Add(array);
                Link(array.AsMemory(0, used));
            }
            position += chunks.Length;
        }
        int tailSize = index.Length * CommitWindowLayout.EntrySize + CommitWindowLayout.FooterSize;
        byte[] tail = ArrayPool<byte>.Shared.Rent(tailSize);
        arrays.Add(tail);
        var indexBytes = tail.AsSpan(0, index.Length * CommitWindowLayout.EntrySize);
        for (int i = 0; i < index.Length; i++) CommitWindowLayout.WriteEntry(indexBytes.Slice(i * CommitWindowLayout.EntrySize, CommitWindowLayout.EntrySize), index[i]);
        CommitWindowLayout.WriteFooter(tail.AsSpan(indexBytes.Length, CommitWindowLayout.FooterSize), position, index.Length, Crc32C.Compute(indexBytes), createdAt.ToUnixTimeMilliseconds());
        Link(tail.AsMemory(0, tailSize));
        _partitions.Clear();
        return new CommitWindowObject(new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length), index, arrays);

        void Link(ReadOnlyMemory<byte> memory)
        {
            var s = new Segment(memory, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null) first = s;
            else last.SetNext(s);
            last = s;
        }
    }

    public void Dispose()
    {
        foreach (var p in _partitions.Values) p.Return();
        _partitions.Clear();
        _built = true;
    }

    /// <summary>Checks the batch's framing and returns its record count (lastOffsetDelta + 1, as offsets are assigned).</summary>
    internal static int RecordsIn(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < RecordBatchHeader.Size) throw new ArgumentException($"a record batch has at least {RecordBatchHeader.Size} bytes, not {batch.Length}", nameof(batch));
        int length = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]);
        if (RecordBatchHeader.LogOverhead + (long)length != batch.Length) throw new ArgumentException($"the batch says {RecordBatchHeader.LogOverhead + (long)length} bytes but has {batch.Length}", nameof(batch));
        if (batch[RecordBatchHeader.MagicOffset] != 2) throw new ArgumentException($"only magic 2 batches are stored, not magic {batch[RecordBatchHeader.MagicOffset]}", nameof(batch));
        int delta = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..]);
        if (delta < 0) throw new ArgumentException($"lastOffsetDelta {delta} is negative", nameof(batch));
        return delta + 1;
    }

    /// <summary>One partition's batches in pooled chunks, back to back (a batch may span two chunks).</summary>
    private sealed class PartitionChunks
    {
        public List<(byte[] Array, int Used)> Chunks { get; } = [];
        public long Length { get; private set; }
        public int Batches { get; private set; }
        public long Records { get; private set; }

        public void Append(ReadOnlySpan<byte> batch, int records)
        {
            while (batch.Length > 0)
            {
                if (Chunks.Count == 0 || Chunks[^1].Used == Chunks[^1].Array.Length)
                {
                    Chunks.Add((ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, Math.Min(batch.Length, 16 * ChunkSize))), 0));
                }
                var (array, used) = Chunks[^1];
                int n = Math.Min(batch.Length, array.Length - used);
                batch[..n].CopyTo(array.AsSpan(used));
                Chunks[^1] = (array, used + n);
                batch = batch[n..];
                Length += n;
            }
            Batches++;
            Records += records;
        }

        public void Return()
        {
            foreach (var (array, _) in Chunks) ArrayPool<byte>.Shared.Return(array);
            Chunks.Clear();
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}

/// <summary>A built commit-window object: its bytes (a sequence over pooled chunks, ready for <see cref="IObjectStore.PutAsync"/>) and its index.</summary>
public sealed class CommitWindowObject : IDisposable
{
    private List<byte[]>? _arrays;

    internal CommitWindowObject(ReadOnlySequence<byte> data, IReadOnlyList<PartitionRange> index, List<byte[]> arrays)
    {
        Data = data;
        Index = index;
        _arrays = arrays;
    }

    public ReadOnlySequence<byte> Data { get; }

    /// <summary>The partitions in the object's order, with where their batches are.</summary>
    public IReadOnlyList<PartitionRange> Index { get; }

    public long Size => Data.Length;

    public void Dispose()
    {
        var arrays = Interlocked.Exchange(ref _arrays, null);
        if (arrays is null) return;
        foreach (var a in arrays) ArrayPool<byte>.Shared.Return(a);
    }
}
