using System.Buffers.Binary;

namespace Chronik.Storage.Disk;

/// <summary>
/// Sparse map from "max timestamp so far" to the batch that set it, mirrored to the <c>.timeindex</c> file as
/// (timestamp int64, relative offset int32) big-endian entries with strictly increasing timestamps. An entry
/// is added at every offset-index point where the max grew, and once more when the segment stops being
/// active, so the last entry is the segment's largest timestamp. Entries are written to the file at
/// <see cref="Flush"/>, as for <see cref="OffsetIndex"/>; one writer, lock-free readers.
/// </summary>
internal sealed class TimeIndex
{
    public const int EntrySize = 12;

    private readonly long _baseOffset;
    private string _path;
    private (long Timestamp, int Relative)[] _entries;
    private int _count;
    private int _written;
    private bool _synced;

    private TimeIndex(string path, long baseOffset, (long, int)[] entries, int count, bool synced)
    {
        _path = path;
        _baseOffset = baseOffset;
        _entries = entries;
        _count = count;
        _written = count;
        _synced = synced;
    }

    public bool LoadedIntact { get; private init; }
    public int Count => Volatile.Read(ref _count);
    public bool IsSynced => Volatile.Read(ref _synced) && Volatile.Read(ref _written) == Count;

    /// <summary>Whether entries were added that the file does not have yet.</summary>
    public bool HasUnwritten => Volatile.Read(ref _written) < Count;

    public string Path
    {
        get => Volatile.Read(ref _path);
        set => Volatile.Write(ref _path, value);
    }

    public static TimeIndex Load(string path, long baseOffset)
    {
        var bytes = IndexFile.ReadIfExists(path);
        int whole = bytes is null ? 0 : bytes.Length - bytes.Length % EntrySize;
        var entries = new (long, int)[whole / EntrySize];
        int count = 0;
        long lastTs = long.MinValue;
        int lastRel = -1;
        for (int i = 0; i + EntrySize <= whole; i += EntrySize)
        {
            long ts = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i));
            int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 8));
            if (ts <= lastTs || rel < lastRel) break;
            entries[count++] = (ts, rel);
            lastTs = ts;
            lastRel = rel;
        }
        long kept = count * (long)EntrySize;
        bool intact = bytes is not null && kept == bytes.Length;
        if (bytes is not null && !intact) IndexFile.Truncate(path, kept);
        return new TimeIndex(path, baseOffset, entries, count, synced: bytes is not null) { LoadedIntact = intact };
    }

    /// <param name="probe">False when the caller's directory listing showed no file of that name (no stat needed).</param>
    public static TimeIndex CreateEmpty(string path, long baseOffset, bool probe = true)
    {
        if (probe) IndexFile.Truncate(path, 0);
        return new TimeIndex(path, baseOffset, [], 0, synced: false);
    }

    /// <summary>The last entry as (timestamp, offset), or (-1, -1).</summary>
    public (long Timestamp, long Offset) Last
    {
        get
        {
            int n = Count;
            if (n == 0) return (-1, -1);
            var last = Volatile.Read(ref _entries)[n - 1];
            return (last.Timestamp, _baseOffset + last.Relative);
        }
    }

    /// <summary>Adds an entry when <paramref name="timestamp"/> exceeds the last one.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        int n = _count;
        if (n > 0 && timestamp <= _entries[n - 1].Timestamp) return;
        int rel = checked((int)(offset - _baseOffset));
        if (n == _entries.Length)
        {
            var grown = new (long, int)[Math.Max(8, n * 2)];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        _entries[n] = (timestamp, rel);
        Volatile.Write(ref _count, n + 1);
    }

    /// <summary>
    /// The offset to start scanning from for the first batch with max timestamp >= <paramref name="timestamp"/>:
    /// every batch up to the last entry below the target is older than it.
    /// </summary>
    public long ScanStartFor(long timestamp)
    {
        int n = Count;
        var entries = Volatile.Read(ref _entries);
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].Timestamp < timestamp) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? _baseOffset : _baseOffset + entries[found].Relative;
    }

    /// <summary>Drops entries at or above <paramref name="offset"/> (recovery only, no readers yet).</summary>
    public void TruncateFrom(long offset)
    {
        int n = _count;
        while (n > 0 && _baseOffset + _entries[n - 1].Relative >= offset) n--;
        if (n == _count) return;
        _count = n;
        if (_written <= n) return;
        _written = n;
        IndexFile.Truncate(Path, n * (long)EntrySize);
    }

    public void Clear() => TruncateFrom(long.MinValue);

    /// <summary>Writes the entries added since the last flush and fsyncs the file (creating it the first time).</summary>
    public void Flush()
    {
        int n = Count;
        int written = _written;
        if (_synced && written == n) return;
        var entries = Volatile.Read(ref _entries);
        var tail = new byte[(n - written) * EntrySize];
        for (int i = written; i < n; i++)
        {
            var slot = tail.AsSpan((i - written) * EntrySize);
            BinaryPrimitives.WriteInt64BigEndian(slot, entries[i].Timestamp);
            BinaryPrimitives.WriteInt32BigEndian(slot[8..], entries[i].Relative);
        }
        IndexFile.WriteTail(Path, tail, written * (long)EntrySize);
        Volatile.Write(ref _written, n);
        Volatile.Write(ref _synced, true);
    }
}
