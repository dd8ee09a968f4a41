using System.Buffers.Binary;

namespace Chronik.Storage.Disk;

/// <summary>
/// Sparse map from a batch's base offset to its file position, kept in memory and mirrored to the
/// <c>.index</c> file as (relative offset int32, position int32) big-endian pairs. New entries reach the file
/// at <see cref="Flush"/> (the segment's checkpoint), so no handle stays open.
/// One writer (under the partition lock); readers search without locks: an entry is stored before the
/// count that makes it visible is published, and a grown array is swapped in before that count.
/// </summary>
internal sealed class OffsetIndex
{
    public const int EntrySize = 8;

    private readonly long _baseOffset;
    private string _path;
    private long[] _entries; // relative offset << 32 | position
    private int _count;
    // Entries already in the file, and whether the file holds exactly those, fsynced. Flush runs under the
    // partition's checkpoint lock (or on a segment nobody else sees yet), so these have one writer.
    private int _written;
    private bool _synced;

    private OffsetIndex(string path, long baseOffset, long[] entries, int count, bool synced)
    {
        _path = path;
        _baseOffset = baseOffset;
        _entries = entries;
        _count = count;
        _written = count;
        _synced = synced;
    }

    /// <summary>False when the file was missing or had to be cut at an invalid entry.</summary>
    public bool LoadedIntact { get; private init; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether every entry is in the file and fsynced (the in-memory copy may then be dropped).</summary>
    public bool IsSynced => Volatile.Read(ref _synced) && Volatile.Read(ref _written) == Count;

    /// <summary>Whether entries were added that the file does not have yet.</summary>
    public bool HasUnwritten => Volatile.Read(ref _written) < Count;

    /// <summary>The file name; the log cleaner's swap renames it.</summary>
    public string Path
    {
        get => Volatile.Read(ref _path);
        set => Volatile.Write(ref _path, value);
    }

    /// <summary>Loads the file, keeping the leading entries that increase and point inside the segment.</summary>
    public static OffsetIndex Load(string path, long baseOffset, long segmentSize)
    {
        var bytes = IndexFile.ReadIfExists(path);
        int whole = bytes is null ? 0 : bytes.Length - bytes.Length % EntrySize;
        var entries = new long[whole / EntrySize];
        int count = 0;
        long lastRel = -1, lastPos = -1;
        for (int i = 0; i + EntrySize <= whole; i += EntrySize)
        {
            int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            int pos = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 4));
            if (rel <= lastRel || pos <= lastPos || pos >= segmentSize) break;
            entries[count++] = ((long)rel << 32) | (uint)pos;
            lastRel = rel;
            lastPos = pos;
        }
        bool intact = bytes is not null && count * (long)EntrySize == bytes.Length;
        if (bytes is not null && !intact) IndexFile.Truncate(path, count * (long)EntrySize);
        return new OffsetIndex(path, baseOffset, entries, count, synced: bytes is not null) { LoadedIntact = intact };
    }

    /// <summary>An empty index for a new segment; a leftover file with that name is cut to zero.</summary>
    /// <param name="probe">False when the caller's directory listing showed no file of that name (no stat needed).</param>
    public static OffsetIndex CreateEmpty(string path, long baseOffset, bool probe = true)
    {
        if (probe) IndexFile.Truncate(path, 0);
        return new OffsetIndex(path, baseOffset, [], 0, synced: false);
    }

    /// <summary>Offset of the last entry, or -1.</summary>
    public long LastOffset
    {
        get
        {
            int n = Count;
            return n == 0 ? -1 : _baseOffset + (Volatile.Read(ref _entries)[n - 1] >> 32);
        }
    }

    public void Append(long offset, int position)
    {
        int n = _count;
        if (n == _entries.Length)
        {
            var grown = new long[Math.Max(16, n * 2)];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        int rel = checked((int)(offset - _baseOffset));
        _entries[n] = ((long)rel << 32) | (uint)position;
        Volatile.Write(ref _count, n + 1);
    }

    /// <summary>The last entry at or below <paramref name="offset"/>, or the segment start.</summary>
    public (long Offset, long Position) Floor(long offset)
    {
        int n = Count;
        var entries = Volatile.Read(ref _entries);
        long target = offset - _baseOffset;
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if ((entries[mid] >> 32) <= target) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? (_baseOffset, 0) : (_baseOffset + (entries[found] >> 32), (uint)entries[found]);
    }

    /// <summary>Drops entries for offsets at or above <paramref name="offset"/> (recovery only, no readers yet).</summary>
    public void TruncateFrom(long offset)
    {
        int n = _count;
        while (n > 0 && _baseOffset + (_entries[n - 1] >> 32) >= offset) n--;
        if (n == _count) return;
        _count = n;
        if (_written <= n) return;
        _written = n;
        IndexFile.Truncate(Path, n * (long)EntrySize);
    }

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
            BinaryPrimitives.WriteInt32BigEndian(slot, (int)(entries[i] >> 32));
            BinaryPrimitives.WriteInt32BigEndian(slot[4..], (int)(uint)entries[i]);
        }
        IndexFile.WriteTail(Path, tail, written * (long)EntrySize);
        Volatile.Write(ref _written, n);
        Volatile.Write(ref _synced, true);
    }
}
