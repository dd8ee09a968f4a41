using System.Globalization;
using System.IO.Enumeration;

namespace Chronik.Storage.Disk;

/// <summary>
/// What start-up recovery needs to know about a partition directory, from one enumeration: the segment log files
/// (with their sizes and modification times), which index files exist, the producer snapshots, whether the checkpoint
/// files exist, and whether the log cleaner left anything behind. At 100,000 partitions every further listing, stat or
/// probe of a missing file per directory costs a measurable share of start-up.
/// </summary>
internal sealed class PartitionDirListing
{
    /// <summary>Segment log files by base offset, ascending: (size, last write as UTC ticks).</summary>
    public SortedList<long, (long Size, long LastWriteTicks)> Logs { get; } = [];
    /// <summary>Index files (<c>.index</c>, <c>.timeindex</c>, <c>.txnindex</c>) by full path, with their base offset.</summary>
    public List<(string Path, long Base)> Indexes { get; } = [];
    /// <summary>Base offsets that have a <c>.txnindex</c> file.</summary>
    public HashSet<long> TxnIndexes { get; } = [];
    /// <summary>Producer snapshot offsets (ascending once <see cref="Read"/> returns).</summary>
    public List<long> Snapshots { get; } = [];
    /// <summary>Unfinished producer snapshot temp files.</summary>
    public List<string> SnapshotTemps { get; } = [];
    public bool HasRecoveryPoint { get; private set; }
    public bool HasLogStartOffset { get; private set; }
    /// <summary>A swap manifest (or its temp file) or a <c>.cleaned</c> file: <see cref="CleanerSwap.Recover"/> must run.</summary>
    public bool HasCleanerLeftovers { get; private set; }

    public static PartitionDirListing Read(string dir)
    {
        var listing = new PartitionDirListing();
        var entries = new FileSystemEnumerable<int>(dir, (ref entry) =>
        {
            listing.Add(entry.FileName, ref entry);
            return 0;
        }, new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref entry) => !entry.IsDirectory,
        };
        foreach (var _ in entries)
        {
        }
        listing.Snapshots.Sort();
        return listing;
    }

    private void Add(ReadOnlySpan<char> name, ref FileSystemEntry entry)
    {
        if (name.SequenceEqual(SegmentFiles.RecoveryPointFile)) HasRecoveryPoint = true;
        else if (name.SequenceEqual(SegmentFiles.LogStartOffsetFile)) HasLogStartOffset = true;
        else if (name.EndsWith(SegmentFiles.CleanedSuffix, StringComparison.Ordinal) || name.StartsWith(SegmentFiles.SwapManifestFile, StringComparison.Ordinal))
            HasCleanerLeftovers = true;
        else if (name.EndsWith(ProducerSnapshotFiles.Suffix + ".tmp", StringComparison.Ordinal)) SnapshotTemps.Add(entry.ToFullPath());
        else if (TrySplit(name, out long b, out var extension))
        {
            if (extension.SequenceEqual(SegmentFiles.LogSuffix))
                Logs[b] = (entry.Length, entry.LastWriteTimeUtc.UtcTicks);
            else if (extension.SequenceEqual(ProducerSnapshotFiles.Suffix)) Snapshots.Add(b);
            else if (extension.EndsWith("index", StringComparison.Ordinal))
            {
                Indexes.Add((entry.ToFullPath(), b));
                if (extension.SequenceEqual(SegmentFiles.TxnIndexSuffix)) TxnIndexes.Add(b);
            }
        }
    }

    // "<digits>.<ext>" with the digits a base offset, as Path.GetFileNameWithoutExtension + long.TryParse saw it.
    private static bool TrySplit(ReadOnlySpan<char> name, out long baseOffset, out ReadOnlySpan<char> extension)
    {
        int dot = name.LastIndexOf('.');
        extension = dot < 0 ? default : name[dot..];
        baseOffset = 0;
        return dot > 0 && long.TryParse(name[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    public static long TicksToUnixMs(long utcTicks) => new DateTimeOffset(utcTicks, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>The last write of a file as UTC ticks, as the listing reports it (-1: no such file).</summary>
    public static long LastWriteTicksOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new DateTimeOffset(info.LastWriteTimeUtc).UtcTicks : -1;
    }

    /// <summary>Removes the index files whose segment log file is gone (a crash between deleting a segment's files).</summary>
    public void DeleteStrayIndexes()
    {
        foreach (var (path, b) in Indexes)
        {
            if (!Logs.ContainsKey(b))
            {
                File.Delete(path);
                TxnIndexes.Remove(b);
            }
        }
    }
}
