using System.Runtime.InteropServices;

namespace Chronik.Storage.Objects.Files;

/// <summary>link(2): creates a second name for a file and fails with EEXIST if the name is taken, atomically (NFS too).</summary>
internal static partial class HardLink
{
    private const int Eexist = 17;
    private const int Eintr = 4;

    /// <summary>The outcome of one link call.</summary>
    public enum Result { Linked, Exists, Unsupported }

    /// <summary>Links <paramref name="target"/> to the file at <paramref name="source"/>; never replaces an existing <paramref name="target"/>.</summary>
    public static Result TryCreate(string source, string target)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Result.Unsupported;
        while (true)
        {
            if (link(source, target) == 0) return Result.Linked;
            int errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Eintr: continue;
                case Eexist: return Result.Exists;
                case 1 or 18 or 38 or 95: return Result.Unsupported; // EPERM, EXDEV, ENOSYS, EOPNOTSUPP: a file system without hard links
                default: throw new IOException($"link({source}, {target}) failed with errno {errno}");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldpath, string newpath);
}
