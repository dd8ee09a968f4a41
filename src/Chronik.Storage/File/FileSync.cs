using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.File;

/// <summary>fdatasync on Linux (an append only needs data and size on disk), a full flush elsewhere.</summary>
internal static partial class FileSync
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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);
}
