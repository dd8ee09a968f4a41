using System.Buffers;
using Chronik.Storage.Disk;
using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.Objects.Files;

/// <summary>
/// An object store in a directory that every broker shares (NFS or EFS in production, a local directory in tests): the
/// key is the path under the root. A PUT writes a temporary file under <c>.tmp/</c>, fsyncs it, then hard-links it under
/// its key (link(2) fails if the name exists, so two writers of one key cannot both win and nothing is overwritten),
/// and fsyncs the key's directory before it returns.
/// </summary>
public sealed class FileObjectStore : IObjectStore
{
    private const string TempDir = ".tmp";
    private readonly string _root;
    private readonly string _temp;
    private readonly TimeSpan _timeout;

    /// <summary>A store rooted at <paramref name="root"/> (created if missing); each call is bounded by <paramref name="operationTimeout"/>.</summary>
    public FileObjectStore(string root, TimeSpan? operationTimeout = null)
    {
        _root = Path.GetFullPath(root);
        _temp = Path.Combine(_root, TempDir);
        _timeout = operationTimeout ?? TimeSpan.FromSeconds(60);
        Directory.CreateDirectory(_temp);
    }

    public string Description => "file://" + _root;

    public string Root => _root;

    public async Task PutAsync(string key, ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        string target = PathOf(key);
        if (File.Exists(target)) throw new ObjectAlreadyExistsException(key);
        if (System.IO.Directory.Exists(target)) throw new ObjectStoreException($"PUT {key}: the key is a folder of other keys here (a key may not be a prefix of another key followed by '/')");
        using var cts = Bound(cancellationToken);
        var ct = cts.Token;
        string dir = Path.GetDirectoryName(target)!;
        EnsureDirectory(dir);
        string temp = Path.Combine(_temp, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, data.Length))
            {
                long pos = 0;
                foreach (var segment in data)
                {
                    await RandomAccess.WriteAsync(handle, segment, pos, ct).ConfigureAwait(false);
                    pos += segment.Length;
                }
                ct.ThrowIfCancellationRequested();
                RandomAccess.FlushToDisk(handle);
            }
            ct.ThrowIfCancellationRequested();
            Publish(temp, target, key);
            FileSync.SyncDirectory(dir);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreUnavailableException($"PUT {key} took longer than {_timeout}") { Attempts = 1 };
        }
        catch (IOException e)
        {
            throw new ObjectStoreException($"PUT {key} in {_root} failed: {e.Message}", e);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public async Task<int> ReadAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        using var cts = Bound(cancellationToken);
        try
        {
            using var handle = OpenExisting(key);
            int total = 0;
            while (total < destination.Length)
            {
                int n = await RandomAccess.ReadAsync(handle, destination[total..], offset + total, cts.Token).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return total;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreUnavailableException($"GET {key} took longer than {_timeout}") { Attempts = 1 };
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new ObjectStoreException($"GET {key} in {_root} failed: {e.Message}", e);
        }
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? new ObjectInfo(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<ObjectListPage> ListAsync(string prefix, string? continuation, int maxKeys, CancellationToken cancellationToken)
    {
        ObjectKey.ValidatePrefix(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        int slash = prefix.LastIndexOf('/');
        string dir = slash < 0 ? _root : PathOf(prefix[..slash]);
        if (!Directory.Exists(dir)) return Task.FromResult(new ObjectListPage([], null));
        var keys = new List<string>();
        foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(TempDir + "/", StringComparison.Ordinal) || !key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (continuation is not null && string.CompareOrdinal(key, continuation) <= 0) continue;
            keys.Add(key);
        }
        keys.Sort(StringComparer.Ordinal);
        var page = new List<ObjectInfo>(Math.Min(maxKeys, keys.Count));
        foreach (string key in keys.Take(maxKeys))
        {
            var info = new FileInfo(PathOf(key));
            if (info.Exists) page.Add(new ObjectInfo(key, info.Length, info.LastWriteTimeUtc));
        }
        string? next = keys.Count > maxKeys ? keys[maxKeys - 1] : null;
        return Task.FromResult(new ObjectListPage(page, next));
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        string path = PathOf(key);
        try
        {
            File.Delete(path);
            FileSync.SyncDirectory(Path.GetDirectoryName(path)!);
        }
        catch (DirectoryNotFoundException)
        {
            // nothing to delete
        }
        catch (IOException e)
        {
            throw new ObjectStoreException($"DELETE {key} in {_root} failed: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PathOf(string key) => Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));

    private CancellationTokenSource Bound(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_timeout);
        return cts;
    }

    private SafeFileHandle OpenExisting(string key)
    {
        try
        {
            return File.OpenHandle(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(key, e);
        }
    }

    /// <summary>Gives the fsynced temporary file its key without ever replacing another object.</summary>
    private static void Publish(string temp, string target, string key)
    {
        switch (HardLink.TryCreate(temp, target))
        {
            case HardLink.Result.Linked:
                return;
            case HardLink.Result.Exists:
                throw new ObjectAlreadyExistsException(key);
            default:
                // No hard links here: a rename that refuses an existing name (a check then a rename, so a race on one
                // key is possible there; keys are unique by construction, so it takes a caller bug to lose it).
                try
                {
                    File.Move(temp, target, overwrite: false);
                }
                catch (IOException) when (File.Exists(target))
                {
                    throw new ObjectAlreadyExistsException(key);
                }
                return;
        }
    }

    /// <summary>Creates the key's directories, fsyncing each parent whose listing gained one, so the PUT's path survives a crash.</summary>
    private void EnsureDirectory(string dir)
    {
        if (Directory.Exists(dir)) return;
        string parent = Path.GetDirectoryName(dir)!;
        if (!string.Equals(dir, _root, StringComparison.Ordinal)) EnsureDirectory(parent);
        Directory.CreateDirectory(dir);
        FileSync.SyncDirectory(parent);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // a leftover temporary file is harmless: it has no key
        }
    }
}
