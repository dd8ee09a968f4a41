using System.Globalization;
using System.Text;

namespace Chronik.Storage.Disk;

/// <summary>
/// How a partition was left by a clean shutdown: its checkpoints, and its last segment as the final checkpoint left it
/// (size -1: no log file, or an empty one). Start-up uses it instead of reading the partition's checkpoint files and verifying its tail,
/// but only when the directory listing shows the last segment unchanged.
/// </summary>
internal sealed record CleanPartitionState(long LogStart, long RecoveryPoint, long LogEnd, long LastBase, long LastSize, long LastWriteTicks,
    long MaxTimestamp, long OffsetOfMaxTimestamp, bool OneSegmentNoSnapshots)
{
    /// <summary>No log file, no producer snapshot, nothing in the log: the open needs no I/O (not even a listing).</summary>
    public bool IsEmptyWithoutFiles => LastSize < 0 && OneSegmentNoSnapshots && LogEnd == LogStart && RecoveryPoint == LogEnd && LastBase == LogStart;

    /// <summary>Whether the listing shows the last segment as it was left and the log end was checkpointed.</summary>
    public bool Matches(PartitionDirListing listing)
    {
        if (RecoveryPoint != LogEnd) return false;
        if (LastSize < 0)
        {
            // No log file, or an empty one left behind (recorded as none).
            return LogEnd == LogStart && LastBase == LogStart
                && (listing.Logs.Count == 0 || (listing.Logs.Count == 1 && listing.Logs.Keys[0] == LastBase && listing.Logs.Values[0].Size == 0));
        }
        if (listing.Logs.Count == 0) return false;
        var (size, ticks) = listing.Logs.Values[^1];
        return listing.Logs.Keys[^1] == LastBase && size == LastSize && ticks == LastWriteTicks
            && (size == 0 ? LogEnd == LastBase : LogEnd > LastBase);
    }
}

/// <summary>
/// The store's clean-shutdown file, Kafka's <c>.kafka_cleanshutdown</c> with the per-log-dir recovery-point and
/// log-start-offset checkpoints folded in: written after every partition's final checkpoint (temp file, fsync, rename,
/// directory fsync), one line per partition that closed cleanly; read and deleted (directory fsynced) when the store
/// opens, before any partition is touched. A crash (kill -9, power loss) leaves none, so every partition recovers fully.
/// </summary>
internal static class CleanShutdownFile
{
    public const string Name = ".chronik-clean-shutdown";
    private const char VersionChar = '0';
    private static readonly string Version = VersionChar.ToString();
    private const string End = "end";

    public static void Write(string dataDir, IReadOnlyCollection<(string DirName, CleanPartitionState State)> partitions)
    {
        var text = new StringBuilder(64 + partitions.Count * 64);
        text.Append(VersionChar).Append('\n').Append(partitions.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (dirName, s) in partitions)
        {
            text.AppendJoin(' ', [s.LogStart, s.RecoveryPoint, s.LogEnd, s.LastBase, s.LastSize, s.LastWriteTicks, s.MaxTimestamp, s.OffsetOfMaxTimestamp,
                s.OneSegmentNoSnapshots ? 1 : 0])
                .Append(' ').Append(dirName).Append('\n');
        }
        text.Append(End).Append('\n');
        string path = Path.Combine(dataDir, Name);
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        FileSync.SyncDirectory(dataDir);
    }

    /// <summary>
    /// The partitions the last shutdown closed cleanly, by directory name (null: no file, or one that does not parse);
    /// the file is gone, durably, when this returns.
    /// </summary>
    public static Dictionary<string, CleanPartitionState>? ReadAndRemove(string dataDir)
    {
        string path = Path.Combine(dataDir, Name);
        File.Delete(path + ".tmp");
        if (!File.Exists(path)) return null;
        Dictionary<string, CleanPartitionState>? parsed;
        try
        {
            parsed = Parse(File.ReadAllText(path, Encoding.UTF8));
        }
        catch (IOException)
        {
            parsed = null;
        }
        File.Delete(path);
        FileSync.SyncDirectory(dataDir);
        return parsed;
    }

    private static Dictionary<string, CleanPartitionState>? Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length < 4 || lines[0] != Version || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || lines.Length != count + 4 || lines[count + 2] != End || lines[count + 3].Length != 0)
        {
            return null;
        }
        var states = new Dictionary<string, CleanPartitionState>(count, StringComparer.Ordinal);
        Span<long> v = stackalloc long[9];
        for (int i = 2; i < count + 2; i++)
        {
            var rest = lines[i].AsSpan();
            for (int f = 0; f < v.Length; f++)
            {
                int space = rest.IndexOf(' ');
                if (space < 0 || !long.TryParse(rest[..space], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v[f])) return null;
                rest = rest[(space + 1)..];
            }
            if (rest.Length == 0) return null;
            states[rest.ToString()] = new CleanPartitionState(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] == 1);
        }
        return states;
    }
}
