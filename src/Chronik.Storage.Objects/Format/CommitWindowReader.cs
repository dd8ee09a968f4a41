using System.Buffers;
using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Objects.Format;

/// <summary>
/// Reads a commit-window object through ranged GETs: one read of the object's tail (footer and, usually, the whole
/// index), a second only when the index is larger than <see cref="TailReadSize"/>; then one read per partition asked
/// for. Every structural field is checked (magic, version, CRCs, ranges in order and inside the data section).
/// </summary>
public sealed class CommitWindowReader
{
    /// <summary>Bytes read from the end in the first GET: the footer and an index of up to ~1,300 partitions.</summary>
    public const int TailReadSize = 64 * 1024;

    private readonly IObjectStore _store;
    private readonly PartitionRange[] _index;

    private CommitWindowReader(IObjectStore store, string key, long size, PartitionRange[] index, DateTimeOffset createdAt)
    {
        _store = store;
        Key = key;
        Size = size;
        _index = index;
        CreatedAt = createdAt;
    }

    public string Key { get; }

    public long Size { get; }

    public DateTimeOffset CreatedAt { get; }

    public IReadOnlyList<PartitionRange> Index => _index;

    /// <summary>Opens <paramref name="key"/>; pass its <paramref name="size"/> when known (the batch index has it) to save a HEAD.</summary>
    public static async Task<CommitWindowReader> OpenAsync(IObjectStore store, string key, long? size, CancellationToken cancellationToken)
    {
        long total = size ?? (await store.HeadAsync(key, cancellationToken).ConfigureAwait(false))?.Size ?? throw new ObjectNotFoundException(key);
        if (total < CommitWindowLayout.FooterSize) throw Bad(key, $"{total} bytes is shorter than the footer");
        int tailLength = (int)Math.Min(total, TailReadSize);
        using var tail = await store.ReadRangeAsync(key, total - tailLength, tailLength, cancellationToken).ConfigureAwait(false);
        if (tail.Memory.Length != tailLength) throw Bad(key, $"the object ends before its size {total}");
        var footer = tail.Memory.Span[^CommitWindowLayout.FooterSize..];
        var (indexPosition, entries, indexCrc, createdAt) = ReadFooter(key, footer, total);
        long indexLength = (long)entries * CommitWindowLayout.EntrySize;
        PartitionRange[] index;
        if (indexLength + CommitWindowLayout.FooterSize <= tailLength)
        {
            index = ReadIndex(key, tail.Memory.Span.Slice(tailLength - CommitWindowLayout.FooterSize - (int)indexLength, (int)indexLength), entries, indexCrc, indexPosition);
        }
        else
        {
            using var indexBytes = await store.ReadRangeAsync(key, indexPosition, checked((int)indexLength), cancellationToken).ConfigureAwait(false);
            if (indexBytes.Memory.Length != indexLength) throw Bad(key, "the object ends inside its index");
            index = ReadIndex(key, indexBytes.Memory.Span, entries, indexCrc, indexPosition);
        }
        return new CommitWindowReader(store, key, total, index, createdAt);
    }

    /// <summary>The partition's range, or null when the object holds none of its batches.</summary>
    public PartitionRange? Find(Guid topicId, int partition)
    {
        int lo = 0, hi = _index.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = CommitWindowLayout.Compare(_index[mid].TopicId, _index[mid].Partition, topicId, partition);
            if (c == 0) return _index[mid];
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }

    /// <summary>The partition's batches, back to back, in pooled memory (one ranged GET); dispose to return it.</summary>
    public async Task<IMemoryOwner<byte>> ReadBatchesAsync(PartitionRange range, CancellationToken cancellationToken)
    {
        var owner = await _store.ReadRangeAsync(Key, range.Position, checked((int)range.Length), cancellationToken).ConfigureAwait(false);
        if (owner.Memory.Length != range.Length)
        {
            owner.Dispose();
            throw Bad(Key, $"the object ends inside partition {range.TopicId}-{range.Partition}'s batches");
        }
        return owner;
    }

    /// <summary>Splits a partition's bytes into its batches by their length fields.</summary>
    public static List<ReadOnlyMemory<byte>> SplitBatches(ReadOnlyMemory<byte> batches)
    {
        var result = new List<ReadOnlyMemory<byte>>();
        while (batches.Length > 0)
        {
            if (batches.Length < RecordBatchHeader.LogOverhead) throw new CommitWindowFormatException($"{batches.Length} stray bytes after the last batch");
            long size = RecordBatchHeader.LogOverhead + (long)BinaryPrimitives.ReadInt32BigEndian(batches.Span[RecordBatchHeader.BatchLengthOffset..]);
            if (size < RecordBatchHeader.Size || size > batches.Length) throw new CommitWindowFormatException($"a batch of {size} bytes where {batches.Length} remain");
            result.Add(batches[..(int)size]);
            batches = batches[(int)size..];
        }
        return result;
    }

    private static (long IndexPosition, int Entries, uint IndexCrc, DateTimeOffset CreatedAt) ReadFooter(string key, ReadOnlySpan<byte> f, long total)
    {
        if (!f[CommitWindowLayout.FooterMagic..].SequenceEqual(CommitWindowLayout.Magic)) throw Bad(key, "no commit-window magic at the end");
        if (BinaryPrimitives.ReadUInt32BigEndian(f[CommitWindowLayout.FooterCrc..]) != Crc32C.Compute(f[..CommitWindowLayout.FooterCrc])) throw Bad(key, "the footer's CRC does not match");
        short version = BinaryPrimitives.ReadInt16BigEndian(f[CommitWindowLayout.FooterVersion..]);
        if (version != CommitWindowLayout.Version) throw Bad(key, $"format version {version} is not known (this reader knows {CommitWindowLayout.Version})");
        long indexPosition = BinaryPrimitives.ReadInt64BigEndian(f[CommitWindowLayout.FooterIndexPosition..]);
        int entries = BinaryPrimitives.ReadInt32BigEndian(f[CommitWindowLayout.FooterEntryCount..]);
        if (entries < 0 || indexPosition < 0 || indexPosition + (long)entries * CommitWindowLayout.EntrySize + CommitWindowLayout.FooterSize != total)
        {
            throw Bad(key, $"an index of {entries} entries at {indexPosition} does not end at the footer of a {total}-byte object");
        }
        return (indexPosition, entries, BinaryPrimitives.ReadUInt32BigEndian(f[CommitWindowLayout.FooterIndexCrc..]),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(f[CommitWindowLayout.FooterCreatedMs..])));
    }

    private static PartitionRange[] ReadIndex(string key, ReadOnlySpan<byte> bytes, int entries, uint crc, long dataLength)
    {
        if (Crc32C.Compute(bytes) != crc) throw Bad(key, "the index's CRC does not match");
        var index = new PartitionRange[entries];
        long expectedPosition = 0;
        for (int i = 0; i < entries; i++)
        {
            var e = CommitWindowLayout.ReadEntry(bytes.Slice(i * CommitWindowLayout.EntrySize, CommitWindowLayout.EntrySize));
            if (e.Position != expectedPosition || e.Length <= 0 || e.BatchCount <= 0 || e.RecordCount < e.BatchCount)
            {
                throw Bad(key, $"index entry {i} ({e}) does not follow the one before");
            }
            if (i > 0 && CommitWindowLayout.Compare(index[i - 1].TopicId, index[i - 1].Partition, e.TopicId, e.Partition) >= 0) throw Bad(key, $"index entry {i} is out of order");
            index[i] = e;
            expectedPosition += e.Length;
        }
        if (expectedPosition != dataLength) throw Bad(key, $"the index covers {expectedPosition} bytes of a {dataLength}-byte data section");
        return index;
    }

    private static CommitWindowFormatException Bad(string key, string why) => new($"object '{key}' is not a commit-window object: {why}");
}
