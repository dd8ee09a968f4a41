using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.Disk;

/// <summary>File names of a partition directory: <c>&lt;baseOffset:D20&gt;.log|.index|.timeindex|.txnindex</c>, the checkpoints and producer snapshots.</summary>
internal static class SegmentFiles
{
    public const string LogSuffix = ".log";
    public const string IndexSuffix = ".index";
    public const string TimeIndexSuffix = ".timeindex";
    public const string TxnIndexSuffix = ".txnindex";
    public const string LogStartOffsetFile = "log-start-offset";
    public const string RecoveryPointFile = "recovery-point";
    public const string CleanerCheckpointFile = "cleaner-offset-checkpoint";
    /// <summary>Suffix of segment files the log cleaner is still writing; deleted at start-up unless a swap manifest names them.</summary>
    public const string CleanedSuffix = ".cleaned";
    /// <summary>The log cleaner's swap manifest: once it exists, start-up finishes the swap it describes.</summary>
    public const string SwapManifestFile = "cleaner.swap";

    public static string LogPath(string dir, long baseOffset) => Path.Combine(dir, Name(baseOffset) + LogSuffix);
    public static string IndexPath(string dir, long baseOffset) => Path.Combine(dir, Name(baseOffset) + IndexSuffix);
    public static string TimeIndexPath(string dir, long baseOffset) => Path.Combine(dir, Name(baseOffset) + TimeIndexSuffix);
    public static string TxnIndexPath(string dir, long baseOffset) => Path.Combine(dir, Name(baseOffset) + TxnIndexSuffix);

    private static string Name(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture);

    public static SafeFileHandle OpenHandle(string path) =>
        File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>Directory name of a partition: <c>&lt;topic&gt;-&lt;partition&gt;</c>.</summary>
    public static string PartitionDirName(string topic, int partition) => topic + "-" + partition.ToString(CultureInfo.InvariantCulture);

    public static bool TryParsePartitionDir(string name, out string topic, out int partition)
    {
        topic = "";
        partition = -1;
        int dash = name.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out partition)) return false;
        topic = name[..dash];
        return true;
    }
}

/// <summary>A one-number checkpoint file, replaced atomically (write temp, fsync, rename).</summary>
internal static class CheckpointFile
{
    private const string Version = "0";

    public static long? Read(string path)
    {
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0] != Version) return null;
        return long.TryParse(lines[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : null;
    }

    public static void Write(string path, long value)
    {
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var text = System.Text.Encoding.ASCII.GetBytes(Version + "\n" + value.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.Write(text);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
