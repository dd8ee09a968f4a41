using System.Buffers.Binary;

namespace Chronik.Storage.Disk;

/// <summary>
/// A segment's aborted transactions (Kafka's <c>.txnindex</c>), in memory and mirrored to the file as 34-byte
/// big-endian entries: version int16 (0), producer id int64, first offset int64, last offset int64, last stable
/// offset int64. An entry lives in the segment that holds its abort marker. The file is created when the first
/// entry is flushed (with the segment's other indexes), so it holds no handle. One writer (under the partition's
/// append lock); readers take no lock: an entry is stored before the count that makes it visible, and a grown
/// array is published before that count.
/// </summary>
internal sealed class TransactionIndex
{
    public const int EntrySize = 34;
    private const short Version = 0;

    private string _path;
    private AbortedTransaction[] _entries;
    private int _count;
    private int _written;

    private TransactionIndex(string path, AbortedTransaction[] entries, int count)
    {
        _path = path;
        _entries = entries;
        _count = count;
        _written = count;
    }

    public string Path
    {
        get => Volatile.Read(ref _path);
        set => Volatile.Write(ref _path, value);
    }

    /// <summary>Loads the file if there is one, keeping the leading whole, well-formed entries.</summary>
    public static TransactionIndex Open(string path)
    {
        var bytes = IndexFile.ReadIfExists(path);
        if (bytes is null) return new TransactionIndex(path, [], 0);
        int whole = bytes.Length - bytes.Length % EntrySize;
        var entries = new AbortedTransaction[whole / EntrySize];
        int count = 0;
        for (int i = 0; i + EntrySize <= whole; i += EntrySize)
        {
            var b = bytes.AsSpan(i, EntrySize);
            if (BinaryPrimitives.ReadInt16BigEndian(b) != Version) break;
            var e = new AbortedTransaction(BinaryPrimitives.ReadInt64BigEndian(b[2..]), BinaryPrimitives.ReadInt64BigEndian(b[10..]),
                BinaryPrimitives.ReadInt64BigEndian(b[18..]), BinaryPrimitives.ReadInt64BigEndian(b[26..]));
            if (e.FirstOffset > e.LastOffset || (count > 0 && e.LastOffset <= entries[count - 1].LastOffset)) break;
            entries[count++] = e;
        }
        if (count * (long)EntrySize != bytes.Length) IndexFile.Truncate(path, count * (long)EntrySize);
        return new TransactionIndex(path, entries, count);
    }

    /// <summary>An empty index for a new segment; a leftover file with that name is cut to zero.</summary>
    /// <param name="probe">False when the caller's directory listing showed no file of that name (no stat needed).</param>
    public static TransactionIndex CreateEmpty(string path, bool probe = true)
    {
        if (probe) IndexFile.Truncate(path, 0);
        return new TransactionIndex(path, [], 0);
    }

    public int Count => Volatile.Read(ref _count);

    public bool IsSynced => Volatile.Read(ref _written) == Count;

    /// <summary>The entries visible now, in marker order.</summary>
    public ReadOnlySpan<AbortedTransaction> Entries
    {
        get
        {
            int n = Count;
            return Volatile.Read(ref _entries).AsSpan(0, n);
        }
    }

    /// <summary>The last entry's marker offset, or -1.</summary>
    public long LastOffset
    {
        get
        {
            int n = Count;
            return n == 0 ? -1 : Volatile.Read(ref _entries)[n - 1].LastOffset;
        }
    }

    /// <summary>Appends an entry; ignored when it is not after the last one (a rebuild that met an entry already there).</summary>
    public void Append(in AbortedTransaction e)
    {
        int n = _count;
        if (n > 0 && e.LastOffset <= _entries[n - 1].LastOffset) return;
        if (n == _entries.Length)
        {
            var grown = new AbortedTransaction[Math.Max(4, n * 2)];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        _entries[n] = e;
        Volatile.Write(ref _count, n + 1);
    }

    /// <summary>Drops the entries whose marker is at or above <paramref name="offset"/> (recovery only, no readers yet).</summary>
    public void TruncateFrom(long offset)
    {
        int n = _count;
        while (n > 0 && _entries[n - 1].LastOffset >= offset) n--;
        if (n == _count) return;
        _count = n;
        if (_written <= n) return;
        _written = n;
        IndexFile.Truncate(Path, n * (long)EntrySize);
    }

    /// <summary>Writes and fsyncs the entries appended since the last flush.</summary>
    public void Flush()
    {
        int n = Count;
        int written = _written;
        if (written == n) return;
        var entries = Volatile.Read(ref _entries);
        var tail = new byte[(n - written) * EntrySize];
        for (int i = written; i < n; i++)
        {
            var b = tail.AsSpan((i - written) * EntrySize, EntrySize);
            var e = entries[i];
            BinaryPrimitives.WriteInt16BigEndian(b, Version);
            BinaryPrimitives.WriteInt64BigEndian(b[2..], e.ProducerId);
            BinaryPrimitives.WriteInt64BigEndian(b[10..], e.FirstOffset);
            BinaryPrimitives.WriteInt64BigEndian(b[18..], e.LastOffset);
            BinaryPrimitives.WriteInt64BigEndian(b[26..], e.LastStableOffset);
        }
        IndexFile.WriteTail(Path, tail, written * (long)EntrySize);
        Volatile.Write(ref _written, n);
    }
}
