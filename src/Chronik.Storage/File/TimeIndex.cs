using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.File;

/// <summary>
/// Sparse map from "max timestamp so far" to the batch that set it, mirrored to the <c>.timeindex</c> file as
/// (timestamp int64, relative offset int32) big-endian entries with strictly increasing timestamps. An entry
/// is added at every offset-index point where the max grew, and once more when the segment stops being
/// active, so the last entry is the segment's largest timestamp.
/// </summary>
internal sealed class TimeIndex : IDisposable
{
    public const int EntrySize = 12;

    private readonly SafeFileHandle _file;
    private readonly long _baseOffset;
    private readonly List<(long Timestamp, int Relative)> _entries;

    private TimeIndex(SafeFileHandle file, long baseOffset, List<(long, int)> entries)
    {
        _file = file;
        _baseOffset = baseOffset;
        _entries = entries;
    }

    public bool LoadedIntact { get; private init; }
    public int Count => _entries.Count;

    public static TimeIndex Open(string path, long baseOffset)
    {
        bool existed = System.IO.File.Exists(path);
        var file = SegmentFiles.OpenHandle(path);
        long length = RandomAccess.GetLength(file);
        var bytes = new byte[length - length % EntrySize];
        RandomAccess.Read(file, bytes, 0);
        var entries = new List<(long, int)>(bytes.Length / EntrySize);
        long lastTs = long.MinValue;
        int lastRel = -1;
        for (int i = 0; i + EntrySize <= bytes.Length; i += EntrySize)
        {
            long ts = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i));
            int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 8));
            if (ts <= lastTs || rel < lastRel) break;
            entries.Add((ts, rel));
            lastTs = ts;
            lastRel = rel;
        }
        long kept = entries.Count * (long)EntrySize;
        if (kept != length) RandomAccess.SetLength(file, kept);
        return new TimeIndex(file, baseOffset, entries) { LoadedIntact = existed && kept == length };
    }

    /// <summary>The last entry as (timestamp, offset), or (-1, -1).</summary>
    public (long Timestamp, long Offset) Last =>
        _entries.Count == 0 ? (-1, -1) : (_entries[^1].Timestamp, _baseOffset + _entries[^1].Relative);

    /// <summary>Adds an entry when <paramref name="timestamp"/> exceeds the last one.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        if (_entries.Count > 0 && timestamp <= _entries[^1].Timestamp) return;
        int rel = checked((int)(offset - _baseOffset));
        Span<byte> bytes = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt64BigEndian(bytes, timestamp);
        BinaryPrimitives.WriteInt32BigEndian(bytes[8..], rel);
        RandomAccess.Write(_file, bytes, _entries.Count * (long)EntrySize);
        _entries.Add((timestamp, rel));
    }

    /// <summary>
    /// The offset to start scanning from for the first batch with max timestamp >= <paramref name="timestamp"/>:
    /// every batch up to the last entry below the target is older than it.
    /// </summary>
    public long ScanStartFor(long timestamp)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_entries[mid].Timestamp < timestamp) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? _baseOffset : _baseOffset + _entries[found].Relative;
    }

    public void TruncateFrom(long offset)
    {
        int n = _entries.Count;
        while (n > 0 && _baseOffset + _entries[n - 1].Relative >= offset) n--;
        if (n == _entries.Count) return;
        _entries.RemoveRange(n, _entries.Count - n);
        RandomAccess.SetLength(_file, n * (long)EntrySize);
    }

    public void Clear() => TruncateFrom(long.MinValue);

    public void Flush() => FileSync.DataSync(_file);

    public void Dispose() => _file.Dispose();
}
