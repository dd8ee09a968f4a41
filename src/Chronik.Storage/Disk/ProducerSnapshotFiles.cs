using System.Globalization;

namespace Chronik.Storage.Disk;

/// <summary>
/// The producer snapshots of one partition directory: <c>&lt;offset:D20&gt;.snapshot</c>, each written to a temp file,
/// fsynced and renamed into place (then the directory fsynced). The newest <see cref="Retained"/> are kept; older
/// ones go, and so do those whose segments retention or DeleteRecords removed, and those above a truncated log end.
/// One lock serializes the file operations; nothing else is taken under it.
/// </summary>
internal sealed class ProducerSnapshotFiles
{
    public const string Suffix = ".snapshot";
    /// <summary>How many snapshots are kept: the newest plus fallbacks for a damaged one.</summary>
    public const int Retained = 3;

    private readonly Lock _lock = new();
    private readonly string _dir;
    // The offsets found at open, until the first load or change: then the directory is listed again each time.
    private List<long>? _listedAtOpen;
    private bool _mayHaveSnapshots;

    private ProducerSnapshotFiles(string dir) => _dir = dir;

    /// <summary>
    /// Start-up, from the directory's one listing: drops unfinished temp files and the snapshots above
    /// <paramref name="logEnd"/>, and returns the offsets left, ascending. The first <see cref="LoadLatest"/> uses them
    /// instead of listing again (a partition without snapshots then costs the producer-state load no I/O at all).
    /// </summary>
    public static ProducerSnapshotFiles Recover(string dir, PartitionDirListing listing, long logEnd, out List<long> offsets)
    {
        foreach (var tmp in listing.SnapshotTemps) File.Delete(tmp);
        offsets = [];
        foreach (long o in listing.Snapshots)
        {
            if (o > logEnd) File.Delete(PathOf(dir, o));
            else offsets.Add(o);
        }
        return new ProducerSnapshotFiles(dir) { _listedAtOpen = [.. offsets], _mayHaveSnapshots = offsets.Count > 0 };
    }

    /// <summary>A directory known to hold no snapshot (the clean-shutdown file said so): the first load lists nothing.</summary>
    public static ProducerSnapshotFiles KnownEmpty(string dir) => new(dir) { _listedAtOpen = [] };

    /// <summary>False only while no snapshot was found at open and none was written since.</summary>
    public bool MayHaveSnapshots => Volatile.Read(ref _mayHaveSnapshots);

    public static string PathOf(string dir, long offset) => Path.Combine(dir, offset.ToString("D20", CultureInfo.InvariantCulture) + Suffix);

    /// <summary>The offsets of the snapshot files present, ascending.</summary>
    public List<long> Offsets()
    {
        lock (_lock) return ListUnlocked();
    }

    public void Write(ProducerSnapshot snapshot)
    {
        byte[] bytes = ProducerSnapshotCodec.Encode(snapshot);
        lock (_lock)
        {
            _listedAtOpen = null;
            Volatile.Write(ref _mayHaveSnapshots, true);
            string path = PathOf(_dir, snapshot.Offset);
            string tmp = path + ".tmp";
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
            FileSync.SyncDirectory(_dir);
            var offsets = ListUnlocked();
            for (int i = 0; i < offsets.Count - Retained; i++) File.Delete(PathOf(_dir, offsets[i]));
        }
    }

    /// <summary>The newest intact snapshot at or below <paramref name="maxOffset"/>; damaged ones met on the way are deleted.</summary>
    public ProducerSnapshot? LoadLatest(long maxOffset)
    {
        lock (_lock)
        {
            var offsets = _listedAtOpen ?? ListUnlocked();
            _listedAtOpen = null;
            for (int i = offsets.Count - 1; i >= 0; i--)
            {
                if (offsets[i] > maxOffset) continue;
                string path = PathOf(_dir, offsets[i]);
                ProducerSnapshot? snapshot = null;
                try
                {
                    snapshot = ProducerSnapshotCodec.Decode(File.ReadAllBytes(path));
                }
                catch (IOException)
                {
                }
                if (snapshot is not null && snapshot.Offset == offsets[i]) return snapshot;
                File.Delete(path);
            }
            return null;
        }
    }

    /// <summary>Deletes the snapshots above <paramref name="offset"/> (the log was cut below them).</summary>
    public void DeleteAbove(long offset)
    {
        lock (_lock)
        {
            _listedAtOpen = null;
            foreach (long o in ListUnlocked())
            {
                if (o > offset) File.Delete(PathOf(_dir, o));
            }
        }
    }

    /// <summary>Deletes the snapshots below <paramref name="offset"/> (their segments were deleted).</summary>
    public void DeleteBelow(long offset)
    {
        lock (_lock)
        {
            _listedAtOpen = null;
            foreach (long o in ListUnlocked())
            {
                if (o < offset) File.Delete(PathOf(_dir, o));
            }
        }
    }

    private List<long> ListUnlocked()
    {
        var list = new List<long>();
        foreach (var path in Directory.EnumerateFiles(_dir, "*" + Suffix))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out long o)) list.Add(o);
        }
        list.Sort();
        return list;
    }
}
