using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.File;

/// <summary>
/// A segment's aborted transactions (Kafka's <c>.txnindex</c>), in memory and mirrored to the file as 34-byte
/// big-endian entries: version int16 (0), producer id int64, first offset int64, last offset int64, last stable
/// offset int64. An entry lives in the segment that holds its abort marker. The file is created with the first
/// entry. One writer (under the partition's append lock); readers take no lock: an entry is stored before the
/// count that makes it visible, and a grown array is published before that count.
/// </summary>
internal sealed class TransactionIndex : IDisposable
{
    public const int EntrySize = 34;
    private const short Version = 0;

    private readonly string _path;
    private SafeFileHandle? _file;
    private AbortedTransaction[] _entries;
    private int _count;
    private bool _dirty;

    private TransactionIndex(string path, SafeFileHandle? file, AbortedTransaction[] entries, int count)
    {
        _path = path;
        _file = file;
        _entries = entries;
        _count = count;
    }

    /// <summary>Loads the file if there is one, keeping the leading whole, well-formed entries.</summary>
    public static TransactionIndex Open(string path)
    {
        if (!System.IO.File.Exists(path)) return new TransactionIndex(path, null, new AbortedTransaction[4], 0);
        var file = SegmentFiles.OpenHandle(path);
        long length = RandomAccess.GetLength(file);
        var bytes = new byte[length - length % EntrySize];
        RandomAccess.Read(file, bytes, 0);
        var entries = new AbortedTransaction[Math.Max(4, bytes.Length / EntrySize)];
        int count = 0;
        for (int i = 0; i + EntrySize <= bytes.Length; i += EntrySize)
        {
            var b = bytes.AsSpan(i, EntrySize);
            if (BinaryPrimitives.ReadInt16BigEndian(b) != Version) break;
            var e = new AbortedTransaction(BinaryPrimitives.ReadInt64BigEndian(b[2..]), BinaryPrimitives.ReadInt64BigEndian(b[10..]),
                BinaryPrimitives.ReadInt64BigEndian(b[18..]), BinaryPrimitives.ReadInt64BigEndian(b[26..]));
            if (e.FirstOffset > e.LastOffset || (count > 0 && e.LastOffset <= entries[count - 1].LastOffset)) break;
            entries[count++] = e;
        }
        if (count * (long)EntrySize != length) RandomAccess.SetLength(file, count * (long)EntrySize);
        return new TransactionIndex(path, file, entries, count);
    }

    public int Count => Volatile.Read(ref _count);

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
            var grown = new AbortedTransaction[n * 2];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        _entries[n] = e;
        _file ??= SegmentFiles.OpenHandle(_path);
        Span<byte> b = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt16BigEndian(b, Version);
        BinaryPrimitives.WriteInt64BigEndian(b[2..], e.ProducerId);
        BinaryPrimitives.WriteInt64BigEndian(b[10..], e.FirstOffset);
        BinaryPrimitives.WriteInt64BigEndian(b[18..], e.LastOffset);
        BinaryPrimitives.WriteInt64BigEndian(b[26..], e.LastStableOffset);
        RandomAccess.Write(_file, b, n * (long)EntrySize);
        Volatile.Write(ref _dirty, true);
        Volatile.Write(ref _count, n + 1);
    }

    /// <summary>Drops the entries whose marker is at or above <paramref name="offset"/> (recovery only, no readers yet).</summary>
    public void TruncateFrom(long offset)
    {
        int n = _count;
        while (n > 0 && _entries[n - 1].LastOffset >= offset) n--;
        if (n == _count) return;
        _count = n;
        if (_file is not null) RandomAccess.SetLength(_file, n * (long)EntrySize);
    }

    /// <summary>Fsyncs the file if entries were appended since the last flush.</summary>
    public void Flush()
    {
        if (!Volatile.Read(ref _dirty) || _file is null) return;
        Volatile.Write(ref _dirty, false);
        FileSync.DataSync(_file);
    }

    public void Dispose() => _file?.Dispose();
}
