using Microsoft.Win32.SafeHandles;

namespace Chronik.Storage.Disk;

/// <summary>
/// The open segment log files of a store, at most <see cref="Capacity"/> of them (CLOCK, an LRU approximation:
/// a use only sets a bit, so the read and append paths take no lock). A file is opened on first use and closed
/// when evicted; the next use opens it again. Eviction never breaks an operation in flight: a lease holds a
/// reference on the <see cref="SafeFileHandle"/>, which defers the real close until it is released.
/// Its one lock is a leaf (nothing is taken under it; an eviction callback only swaps a field).
/// </summary>
internal sealed class FileHandleCache
{
    // errno values of "too many open files" (per process, system-wide): evict and retry once.
    private const int Emfile = 24;
    private const int Enfile = 23;

    private readonly Lock _lock = new();
    private readonly List<CachedFile> _ring = [];
    private int _hand;

    public FileHandleCache(int capacity) => Capacity = Math.Max(1, capacity);

    public int Capacity { get; }

    /// <summary>Handles open now (pinned ones included).</summary>
    public int OpenCount
    {
        get { lock (_lock) return _ring.Count; }
    }

    /// <summary>How many handles were closed to make room (tests, metrics).</summary>
    public long Evictions => Volatile.Read(ref _evictions);
    private long _evictions;

    public CachedFile Register(string path, Action? onEvicted = null) => new(this, path, onEvicted);

    /// <summary>Opens <paramref name="file"/> (or returns the handle another thread just opened) and makes room.</summary>
    internal SafeFileHandle Open(CachedFile file)
    {
        SafeFileHandle opened;
        try
        {
            opened = SegmentFiles.OpenHandle(file.Path);
        }
        catch (IOException e) when (e.HResult is Emfile or Enfile)
        {
            // Sockets or other stores took the descriptors this cache counted on: give back a quarter, try once more.
            Shrink(Math.Max(1, OpenCount / 4));
            opened = SegmentFiles.OpenHandle(file.Path);
        }
        List<SafeFileHandle>? evicted = null;
        SafeFileHandle result;
        lock (_lock)
        {
            if (file.Closed)
            {
                opened.Dispose();
                throw new ObjectDisposedException(file.Path);
            }
            if (file.Handle is { } existing)
            {
                (evicted ??= []).Add(opened);
                result = existing;
            }
            else
            {
                file.Handle = opened;
                file.Referenced = true;
                file.Slot = _ring.Count;
                _ring.Add(file);
                result = opened;
                while (_ring.Count > Capacity && EvictOneLocked(file) is { } handle) (evicted ??= []).Add(handle);
            }
        }
        if (evicted is not null)
        {
            foreach (var handle in evicted) handle.Dispose();
        }
        return result;
    }

    /// <summary>Keeps <paramref name="file"/>'s handle open until it is closed (its path may soon name another file).</summary>
    internal bool TryPin(CachedFile file)
    {
        lock (_lock)
        {
            if (file.Handle is null) return false;
            file.Pinned = true;
            return true;
        }
    }

    /// <summary>Closes <paramref name="file"/>'s handle now unless it is pinned; the next use opens it again.</summary>
    internal void Evict(CachedFile file)
    {
        SafeFileHandle? handle;
        lock (_lock)
        {
            if (file.Pinned || file.Slot < 0) return;
            RemoveLocked(file.Slot);
            handle = file.Handle;
            file.Handle = null;
        }
        handle?.Dispose();
    }

    internal void Close(CachedFile file)
    {
        SafeFileHandle? handle;
        lock (_lock)
        {
            file.Closed = true;
            if (file.Slot >= 0) RemoveLocked(file.Slot);
            handle = file.Handle;
            file.Handle = null;
        }
        handle?.Dispose();
    }

    /// <summary>Closes up to <paramref name="count"/> handles (all unpinned ones at most).</summary>
    public void Shrink(int count)
    {
        var evicted = new List<SafeFileHandle>();
        lock (_lock)
        {
            while (evicted.Count < count && EvictOneLocked(null) is { } handle) evicted.Add(handle);
        }
        foreach (var handle in evicted) handle.Dispose();
    }

    // One CLOCK sweep: a set bit buys a file one more round; the first clear, unpinned one goes.
    private SafeFileHandle? EvictOneLocked(CachedFile? keep)
    {
        for (int steps = 0; steps < 2 * _ring.Count + 1; steps++)
        {
            if (_hand >= _ring.Count) _hand = 0;
            if (_ring.Count == 0) return null;
            var file = _ring[_hand];
            if (file.Pinned || file == keep)
            {
                _hand++;
                continue;
            }
            if (file.Referenced)
            {
                file.Referenced = false;
                _hand++;
                continue;
            }
            RemoveLocked(_hand);
            var handle = file.Handle;
            file.Handle = null;
            _evictions++;
            file.OnEvicted?.Invoke();
            return handle;
        }
        return null;
    }

    private void RemoveLocked(int slot)
    {
        var file = _ring[slot];
        var last = _ring[^1];
        _ring[slot] = last;
        last.Slot = slot;
        _ring.RemoveAt(_ring.Count - 1);
        file.Slot = -1;
    }
}

/// <summary>One file in a <see cref="FileHandleCache"/>: opened on demand, possibly closed between uses.</summary>
internal sealed class CachedFile
{
    private readonly FileHandleCache _cache;
    private string _path;
    private SafeFileHandle? _handle;
    private bool _referenced;

    internal CachedFile(FileHandleCache cache, string path, Action? onEvicted)
    {
        _cache = cache;
        _path = path;
        OnEvicted = onEvicted;
    }

    /// <summary>The file's name; follows a rename (the log cleaner's swap) so a later open finds it.</summary>
    public string Path
    {
        get => Volatile.Read(ref _path);
        set => Volatile.Write(ref _path, value);
    }

    public bool IsOpen => Volatile.Read(ref _handle) is not null;

    // The cache's bookkeeping, written under its lock.
    internal SafeFileHandle? Handle { get => Volatile.Read(ref _handle); set => Volatile.Write(ref _handle, value); }
    internal bool Referenced { get => Volatile.Read(ref _referenced); set => Volatile.Write(ref _referenced, value); }
    internal int Slot { get; set; } = -1;
    internal bool Pinned { get; set; }
    internal bool Closed { get; set; }
    internal Action? OnEvicted { get; }

    /// <summary>An open handle for one operation; dispose the lease right after it. Throws IOException when the file cannot be opened.</summary>
    public Lease Acquire()
    {
        while (true)
        {
            var handle = Volatile.Read(ref _handle) ?? _cache.Open(this);
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                continue; // evicted between the read and the reference: open it again
            }
            Volatile.Write(ref _referenced, true);
            return new Lease(handle);
        }
    }

    /// <summary>Opens the file if needed and keeps it open until <see cref="Close"/>, whatever the cache's bound.</summary>
    public void Pin()
    {
        while (true)
        {
            using (Acquire())
            {
            }
            if (_cache.TryPin(this)) return;
        }
    }

    /// <summary>Closes the handle until the next use (start-up recovery is done with the file).</summary>
    public void Evict() => _cache.Evict(this);

    /// <summary>Closes the handle for good (the segment was released); a later Acquire throws ObjectDisposedException.</summary>
    public void Close() => _cache.Close(this);

    /// <summary>A reference on an open handle: the file stays open until it is disposed, even if evicted meanwhile.</summary>
    public readonly struct Lease(SafeFileHandle handle) : IDisposable
    {
        public SafeFileHandle Handle => handle;
        public void Dispose() => handle.DangerousRelease();
    }
}
