using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.File;

/// <summary>
/// Sparse map from a batch's base offset to its file position, kept in memory and mirrored to the
/// <c>.index</c> file as (relative offset int32, position int32) big-endian pairs.
/// One writer (under the partition lock); readers search without locks: an entry is stored before the
/// count that makes it visible is published, and a grown array is swapped in before that count.
/// </summary>
internal sealed class OffsetIndex : IDisposable
{
    public const int EntrySize = 8;

    private readonly SafeFileHandle _file;
    private readonly long _baseOffset;
    private long[] _entries; // relative offset << 32 | position
    private int _count;

    private OffsetIndex(SafeFileHandle file, long baseOffset, long[] entries, int count)
    {
        _file = file;
        _baseOffset = baseOffset;
        _entries = entries;
        _count = count;
    }

    /// <summary>False when the file was missing or had to be cut at an invalid entry.</summary>
    public bool LoadedIntact { get; private init; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Loads the file, keeping the leading entries that increase and point inside the segment.</summary>
    public static OffsetIndex Open(string path, long baseOffset, long segmentSize)
    {
        bool existed = System.IO.File.Exists(path);
        var file = SegmentFiles.OpenHandle(path);
        long length = RandomAccess.GetLength(file);
        var bytes = new byte[length - length % EntrySize];
        RandomAccess.Read(file, bytes, 0);
        var entries = new long[Math.Max(16, bytes.Length / EntrySize)];
        int count = 0;
        long lastRel = -1, lastPos = -1;
        for (int i = 0; i + EntrySize <= bytes.Length; i += EntrySize)
        {
            int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            int pos = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 4));
            if (rel <= lastRel || pos <= lastPos || pos >= segmentSize) break;
            entries[count++] = ((long)rel << 32) | (uint)pos;
            lastRel = rel;
            lastPos = pos;
        }
        bool intact = existed && count * (long)EntrySize == length;
        if (count * (long)EntrySize != length) RandomAccess.SetLength(file, count * (long)EntrySize);
        return new OffsetIndex(file, baseOffset, entries, count) { LoadedIntact = intact };
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
            var grown = new long[n * 2];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        int rel = checked((int)(offset - _baseOffset));
        _entries[n] = ((long)rel << 32) | (uint)position;
        Span<byte> bytes = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt32BigEndian(bytes, rel);
        BinaryPrimitives.WriteInt32BigEndian(bytes[4..], position);
        RandomAccess.Write(_file, bytes, n * (long)EntrySize);
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
        RandomAccess.SetLength(_file, n * (long)EntrySize);
    }

    public void Flush() => FileSync.DataSync(_file);

    public void Dispose() => _file.Dispose();
}
