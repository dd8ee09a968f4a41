using System.Runtime.InteropServices;

namespace Chronik.Storage;

/// <summary>The process's RLIMIT_NOFILE: its soft and hard limits, before and after <see cref="FileDescriptorLimits.RaiseSoftToHard"/>.</summary>
public readonly record struct FileDescriptorLimit(long PreviousSoft, long Soft, long Hard);

/// <summary>
/// RLIMIT_NOFILE on Linux (getrlimit/setrlimit): the broker raises the soft limit to the hard one at start-up, as
/// Kafka's launch scripts expect of the service manager, and the file store sizes its handle cache from it.
/// </summary>
public static partial class FileDescriptorLimits
{
    private const int RlimitNofile = 7; // Linux, every architecture .NET runs on
    private const ulong RlimInfinity = ulong.MaxValue;
    private const int SegmentFilesFloor = 64;
    private const int UnknownLimitDefault = 4096;

    /// <summary>The current limits (PreviousSoft = Soft), or null where they cannot be read (not Linux).</summary>
    public static FileDescriptorLimit? Current()
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (getrlimit(RlimitNofile, out var limit) != 0) return null;
        long soft = ToLong(limit.Current);
        return new FileDescriptorLimit(soft, soft, ToLong(limit.Max));
    }

    /// <summary>
    /// Raises the soft limit to the hard limit (an unlimited hard limit to fs.nr_open, the kernel's ceiling). Returns the
    /// limits before and after, or null where they cannot be read; when setrlimit fails the soft limit stays as it was.
    /// </summary>
    public static FileDescriptorLimit? RaiseSoftToHard()
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (getrlimit(RlimitNofile, out var limit) != 0) return null;
        long previous = ToLong(limit.Current);
        ulong target = limit.Max == RlimInfinity ? NrOpen() : limit.Max;
        if (limit.Current < target)
        {
            var raised = new Rlimit { Current = target, Max = limit.Max };
            if (setrlimit(RlimitNofile, in raised) == 0) limit = raised;
        }
        return new FileDescriptorLimit(previous, ToLong(limit.Current), ToLong(limit.Max));
    }

    /// <summary>
    /// The file store's default bound on open segment files: half the soft limit now (the other half is left for
    /// sockets, index and checkpoint files), at least 64; 4096 where the limit is unknown.
    /// </summary>
    public static int DefaultMaxOpenSegmentFiles()
    {
        if (Current() is not { } limit || limit.Soft <= 0) return UnknownLimitDefault;
        return (int)Math.Clamp(limit.Soft / 2, SegmentFilesFloor, int.MaxValue);
    }

    private static long ToLong(ulong value) => value >= long.MaxValue ? long.MaxValue : (long)value;

    private static ulong NrOpen()
    {
        try
        {
            return ulong.Parse(File.ReadAllText("/proc/sys/fs/nr_open").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return 1024 * 1024; // the kernel's default fs.nr_open
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);
}
