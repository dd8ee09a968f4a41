using System.Runtime.InteropServices;

namespace Chronik.Protocol.Compression;

/// <summary>Checks once that a native codec library loads, so a missing package fails with a message naming it instead of a bare DllNotFoundException.</summary>
internal sealed class NativeLibraryGuard(string library, string debianPackage)
{
    private readonly Lazy<bool> _loaded = new(() => NativeLibrary.TryLoad(library, typeof(NativeLibraryGuard).Assembly, null, out _));

    public void Ensure()
    {
        if (!_loaded.Value)
            throw new DllNotFoundException($"Native library {library} could not be loaded; install the Debian package {debianPackage} (apt-get install {debianPackage}).");
    }
}
