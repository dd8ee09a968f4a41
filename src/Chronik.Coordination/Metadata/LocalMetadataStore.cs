using System.Globalization;
using Chronik.Storage.Disk;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Coordination.Metadata;

/// <summary>What opening the local metadata log found and repaired.</summary>
public sealed record MetadataRecovery(long NextOffset, long? SnapshotEnd, int Segments, long TruncatedBytes, int DroppedSegments);

/// <summary>
/// The metadata log in &lt;data-dir&gt;/__cluster_metadata/: segments named by base offset (20 digits, ".log") of
/// CRC-32C-framed batches (<see cref="MetadataBatch"/>), and snapshots named by end offset (".checkpoint", written
/// to a temporary file, fsynced, renamed, directory fsynced). A snapshot rolls the segment and deletes the segments
/// it wholly covers. At open the latest snapshot is read and the segments scanned; the first torn or CRC-bad batch
/// and everything after it are cut (the append that wrote it never returned). Appends that wait together share an
/// fdatasync (group commit).
/// </summary>
public sealed class LocalMetadataStore : MetadataStore
{
    public const string DirectoryName = "__cluster_metadata";
    private const string SegmentSuffix = ".log", SnapshotSuffix = ".checkpoint";

    private readonly string _dir;
    private readonly object _syncLock = new();
    private readonly List<long> _segments = [];
    private SafeFileHandle _active;
    private long _activeLength;
    private long _written;
    private long _synced;
    private long? _snapshotEnd;

    private LocalMetadataStore(string dir, MetadataStoreOptions? options) : base(options)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        foreach (var tmp in Directory.GetFiles(dir, "*" + SnapshotSuffix + ".tmp")) File.Delete(tmp);
        _snapshotEnd = Files(SnapshotSuffix).Select(f => (long?)f.Offset).LastOrDefault();
        if (_snapshotEnd is { } se) ReadSnapshotFile(se);
        long next = _snapshotEnd ?? 0, truncated = 0;
        int dropped = 0;
        bool broken = false;
        foreach (var (baseOffset, path) in Files(SegmentSuffix))
        {
            if (broken)
            {
                File.Delete(path);
                dropped++;
                continue;
            }
            if (_segments.Count == 0 ? baseOffset > next : baseOffset != next)
            {
                throw new InvalidDataException($"{path}: the metadata log has a gap (segment starts at {baseOffset}, expected {next})");
            }
            _segments.Add(baseOffset);
            next = baseOffset;
            byte[] bytes = File.ReadAllBytes(path);
            int pos = 0;
            while (pos < bytes.Length)
            {
                var read = MetadataBatch.TryRead(bytes.AsSpan(pos), out long b, out int count, out int length);
                if (read != MetadataBatchRead.Ok || b != next) break;
                pos += length;
                next += count;
            }
            if (pos < bytes.Length)
            {
                truncated += bytes.Length - pos;
                using var h = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.SetLength(h, pos);
                RandomAccess.FlushToDisk(h);
                broken = true;
            }
        }
        // A log ending before the snapshot (only if a disk lost synced writes) continues in a segment of its own.
        if (_segments.Count == 0 || next < (_snapshotEnd ?? 0))
        {
            next = Math.Max(next, _snapshotEnd ?? 0);
            _segments.Add(next);
        }
        _active = OpenSegment(_segments[^1]);
        _activeLength = RandomAccess.GetLength(_active);
        FileSync.SyncDirectory(dir);
        Recovered(next);
        Recovery = new MetadataRecovery(next, _snapshotEnd, _segments.Count, truncated, dropped);
    }

    /// <summary>Opens (creating and recovering) the metadata log under <paramref name="dataDir"/>.</summary>
    public static LocalMetadataStore Open(string dataDir, MetadataStoreOptions? options = null) =>
        new(Path.Combine(dataDir, DirectoryName), options);

    /// <summary>What this open found.</summary>
    public MetadataRecovery Recovery { get; }

    private IEnumerable<(long Offset, string Path)> Files(string suffix) =>
        Directory.GetFiles(_dir, "*" + suffix)
            .Select(p => (Name: Path.GetFileName(p), Path: p))
            .Where(f => f.Name.Length == 20 + suffix.Length && f.Name[..20].All(char.IsAsciiDigit))
            .Select(f => (long.Parse(f.Name[..20], CultureInfo.InvariantCulture), f.Path))
            .OrderBy(f => f.Item1);

    private string PathOf(long offset, string suffix) => Path.Combine(_dir, offset.ToString("D20", CultureInfo.InvariantCulture) + suffix);

    private SafeFileHandle OpenSegment(long baseOffset)
    {
        string path = PathOf(baseOffset, SegmentSuffix);
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        OwnerOnly(path);
        return handle;
    }

    /// <summary>The log holds SCRAM credentials (salted keys): its files are the owner's only on Unix.</summary>
    private static void OwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    protected override long Write(byte[] batch)
    {
        RandomAccess.Write(_active, batch, _activeLength);
        _activeLength += batch.Length;
        return _written += batch.Length;
    }

    protected override void Sync(long token)
    {
        lock (_syncLock)
        {
            if (Volatile.Read(ref _synced) >= token) return;
            // Every byte counted in _written is already in the file; one sync covers all appenders waiting behind this one.
            long target = Interlocked.Read(ref _written);
            FileSync.DataSync(_active);
            Volatile.Write(ref _synced, target);
        }
    }

    protected override void Exclusive(Action roll)
    {
        lock (_syncLock) base.Exclusive(roll);
    }

    protected override void Roll(long nextOffset)
    {
        if (nextOffset == _segments[^1]) return;
        FileSync.DataSync(_active);
        _active.Dispose();
        _segments.Add(nextOffset);
        _active = OpenSegment(nextOffset);
        _activeLength = 0;
        FileSync.SyncDirectory(_dir);
        Volatile.Write(ref _synced, _written);
    }

    protected override (long End, IReadOnlyList<ReadOnlyMemory<byte>> Batches)? ReadSnapshot() =>
        _snapshotEnd is { } end ? (end, ReadSnapshotFile(end)) : null;

    private List<ReadOnlyMemory<byte>> ReadSnapshotFile(long end)
    {
        string path = PathOf(end, SnapshotSuffix);
        byte[] bytes = File.ReadAllBytes(path);
        var batches = new List<ReadOnlyMemory<byte>>();
        for (int pos = 0; pos < bytes.Length;)
        {
            // A snapshot was fsynced before it was renamed into place: damage here is not a torn write, and guessing is worse than stopping.
            if (MetadataBatch.TryRead(bytes.AsSpan(pos), out _, out _, out int length) != MetadataBatchRead.Ok)
            {
                throw new InvalidDataException($"{path}: corrupt metadata snapshot at byte {pos}");
            }
            batches.Add(bytes.AsMemory(pos, length));
            pos += length;
        }
        return batches;
    }

    protected override IEnumerable<ReadOnlyMemory<byte>> ReadLog(long from, long to)
    {
        var result = new List<ReadOnlyMemory<byte>>();
        for (int i = 0; i < _segments.Count; i++)
        {
            if (_segments[i] >= to) break;
            if (i + 1 < _segments.Count && _segments[i + 1] <= from) continue;
            byte[] bytes;
            using (var fs = new FileStream(PathOf(_segments[i], SegmentSuffix), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[fs.Length];
                fs.ReadExactly(bytes);
            }
            for (int pos = 0; pos < bytes.Length;)
            {
                if (MetadataBatch.TryRead(bytes.AsSpan(pos), out long b, out _, out int length) != MetadataBatchRead.Ok || b >= to) break;
                if (b >= from) result.Add(bytes.AsMemory(pos, length));
                pos += length;
            }
        }
        return result;
    }

    protected override void WriteSnapshot(long end, IReadOnlyList<byte[]> batches)
    {
        string path = PathOf(end, SnapshotSuffix), tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var b in batches) fs.Write(b);
            fs.Flush(flushToDisk: true);
        }
        OwnerOnly(tmp);
        File.Move(tmp, path, overwrite: true);
        FileSync.SyncDirectory(_dir);
        _snapshotEnd = end;
        foreach (var (offset, old) in Files(SnapshotSuffix))
        {
            if (offset < end) File.Delete(old);
        }
        while (_segments.Count > 1 && _segments[1] <= end)
        {
            File.Delete(PathOf(_segments[0], SegmentSuffix));
            _segments.RemoveAt(0);
        }
        FileSync.SyncDirectory(_dir);
    }

    protected override void Close()
    {
        lock (_syncLock) _active.Dispose();
    }
}
