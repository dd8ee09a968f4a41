using System.Globalization;
using System.Text;

namespace Chronik.Storage.Disk;

/// <summary>
/// The log cleaner's crash-safe swap. Cleaned segments are written as <c>&lt;base&gt;.log.cleaned</c> (+ index
/// files) and fsynced; then the manifest <c>cleaner.swap</c> (each line: the cleaned base offset, then the base
/// offsets of the segments it replaces) is written atomically and the directory fsynced: that is the commit
/// point. Then the cleaned files are renamed over their final names (indexes first, the log last), the
/// replaced segments' files deleted, the directory fsynced and the manifest removed. At start-up a manifest
/// means "finish the swap" (every step is idempotent); without one, leftover <c>.cleaned</c> files are an
/// unfinished clean and are deleted, leaving the original segments untouched.
/// </summary>
internal static class CleanerSwap
{
    private const string Version = "0";

    public static void WriteManifest(string dir, IEnumerable<(long NewBase, IReadOnlyList<long> OldBases)> groups)
    {
        var text = new StringBuilder(Version).Append('\n');
        foreach (var (newBase, oldBases) in groups)
        {
            text.Append(newBase.ToString(CultureInfo.InvariantCulture));
            foreach (long b in oldBases) text.Append(' ').Append(b.ToString(CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        string path = Path.Combine(dir, SegmentFiles.SwapManifestFile);
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.ASCII.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        FileSync.SyncDirectory(dir);
    }

    /// <summary>Renames one group's cleaned files into place (indexes first, log last); missing files were already moved.</summary>
    public static void RenameIntoPlace(string dir, long newBase)
    {
        MoveIfExists(SegmentFiles.IndexPath(dir, newBase));
        MoveIfExists(SegmentFiles.TimeIndexPath(dir, newBase));
        MoveIfExists(SegmentFiles.TxnIndexPath(dir, newBase));
        MoveIfExists(SegmentFiles.LogPath(dir, newBase));
    }

    /// <summary>Deletes the replaced segments' files (never the cleaned group's own base), fsyncs the directory, removes the manifest.</summary>
    public static void Finish(string dir, IEnumerable<(long NewBase, IReadOnlyList<long> OldBases)> groups)
    {
        foreach (var (newBase, oldBases) in groups)
        {
            foreach (long b in oldBases)
            {
                if (b == newBase) continue;
                File.Delete(SegmentFiles.LogPath(dir, b));
                File.Delete(SegmentFiles.IndexPath(dir, b));
                File.Delete(SegmentFiles.TimeIndexPath(dir, b));
                File.Delete(SegmentFiles.TxnIndexPath(dir, b));
            }
        }
        FileSync.SyncDirectory(dir);
        File.Delete(Path.Combine(dir, SegmentFiles.SwapManifestFile));
    }

    /// <summary>Start-up: completes a committed swap, then deletes every leftover <c>.cleaned</c> file. True when a swap was completed.</summary>
    public static bool Recover(string dir)
    {
        string manifest = Path.Combine(dir, SegmentFiles.SwapManifestFile);
        bool completed = false;
        if (File.Exists(manifest) && Parse(File.ReadAllLines(manifest)) is { } groups)
        {
            foreach (var (newBase, _) in groups) RenameIntoPlace(dir, newBase);
            Finish(dir, groups);
            completed = true;
        }
        File.Delete(manifest);
        File.Delete(manifest + ".tmp");
        foreach (var leftover in Directory.EnumerateFiles(dir, "*" + SegmentFiles.CleanedSuffix)) File.Delete(leftover);
        return completed;
    }

    private static List<(long, IReadOnlyList<long>)>? Parse(string[] lines)
    {
        if (lines.Length < 1 || lines[0] != Version) return null;
        var groups = new List<(long, IReadOnlyList<long>)>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            var bases = new List<long>();
            foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long b)) return null;
                bases.Add(b);
            }
            if (bases.Count < 2) return null;
            groups.Add((bases[0], bases.Skip(1).ToList()));
        }
        return groups;
    }

    private static void MoveIfExists(string finalPath)
    {
        string cleaned = finalPath + SegmentFiles.CleanedSuffix;
        if (File.Exists(cleaned)) File.Move(cleaned, finalPath, overwrite: true);
    }
}
