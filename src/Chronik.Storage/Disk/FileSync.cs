using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.Disk;

/// <summary>fdatasync on Linux (an append only needs data and size on disk), a full flush elsewhere.</summary>
public static partial class FileSync
{
    private const int Eintr = 4;

    public static void DataSync(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            while (fdatasync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr) throw new IOException($"fdatasync failed with errno {errno}");
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>Fsyncs a directory so renames and deletes in it are durable (Linux; a no-op elsewhere).</summary>
    public static void SyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = open(dir, ORdOnly); // O_RDONLY opens a directory on Linux; O_DIRECTORY differs by architecture
        if (fd < 0) throw new IOException($"open({dir}) failed with errno {Marshal.GetLastPInvokeError()}");
        try
        {
            while (fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr) throw new IOException($"fsync of directory {dir} failed with errno {errno}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    private const int ORdOnly = 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
