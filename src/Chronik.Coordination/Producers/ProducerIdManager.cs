using System.Globalization;
using System.Text;
using Chronik.Coordination.Topics;

namespace Chronik.Coordination.Producers;

/// <summary>
/// Hands out producer ids that are never reused: ids come from blocks of <see cref="BlockSize"/> whose end is
/// written to &lt;data-dir&gt;/__cluster_metadata/producer-ids (atomically, fsynced) before any id of the block is
/// given out, so after a crash the next block starts past every id ever returned.
/// </summary>
public sealed class ProducerIdManager
{
    public const int BlockSize = 1000;
    private readonly Lock _lock = new();
    private readonly string? _file;
    private long _next;
    private long _blockEnd;

    /// <param name="dataDir">Null keeps ids in memory only (tests with the in-memory store).</param>
    public ProducerIdManager(string? dataDir)
    {
        if (dataDir is null) return;
        string dir = Path.Combine(dataDir, "__cluster_metadata");
        Directory.CreateDirectory(dir);
        _file = Path.Combine(dir, "producer-ids");
        if (File.Exists(_file))
        {
            string text = File.ReadAllText(_file).Trim();
            _next = _blockEnd = long.Parse(text, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The next id that would be handed out (for tests and diagnostics).</summary>
    public long Peek { get { lock (_lock) return _next; } }

    public long Next()
    {
        lock (_lock)
        {
            if (_next >= _blockEnd)
            {
                long end = _next + BlockSize;
                if (_file is not null) AtomicFile.Write(_file, Encoding.ASCII.GetBytes(end.ToString(CultureInfo.InvariantCulture) + "\n"));
                _blockEnd = end;
            }
            return _next++;
        }
    }

    /// <summary>Whether an id was ever handed out by this cluster (ids at or above the persisted block end never were).</summary>
    public bool WasAllocated(long producerId)
    {
        lock (_lock) return producerId >= 0 && producerId < _blockEnd;
    }
}
