namespace Chronik.Storage.Disk;

/// <summary>
/// File operations of the index files (<c>.index</c>, <c>.timeindex</c>, <c>.txnindex</c>), each with a handle that
/// lives only for the call: the indexes are kept in memory and their new entries written when the segment is
/// checkpointed, so an index holds no descriptor between checkpoints.
/// </summary>
internal static class IndexFile
{
    /// <summary>The whole file, or null when there is none.</summary>
    public static byte[]? ReadIfExists(string path)
    {
        if (!File.Exists(path)) return null; // the usual case for a .txnindex: a stat, not an exception
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = RandomAccess.GetLength(handle);
            var bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            return read == bytes.Length ? bytes : bytes[..read];
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="tail"/> at <paramref name="position"/> (creating the file), cuts anything after it, and fdatasyncs.</summary>
    public static void WriteTail(string path, ReadOnlySpan<byte> tail, long position)
    {
        using var handle = SegmentFiles.OpenHandle(path);
        if (tail.Length > 0) RandomAccess.Write(handle, tail, position);
        if (RandomAccess.GetLength(handle) != position + tail.Length) RandomAccess.SetLength(handle, position + tail.Length);
        FileSync.DataSync(handle);
    }

    /// <summary>Cuts an existing file to <paramref name="length"/> bytes (recovery; no fsync: the next checkpoint syncs).</summary>
    public static void Truncate(string path, long length)
    {
        if (!File.Exists(path)) return;
        using var handle = SegmentFiles.OpenHandle(path);
        if (RandomAccess.GetLength(handle) > length) RandomAccess.SetLength(handle, length);
    }
}
