using System.Text;
using System.Text.Json;
using Chronik.Coordination.Topics;

namespace Chronik.Coordination.Transactions;

/// <summary>Where the transaction coordinator persists its records; replayed at start-up, last record per id wins (a Dead record removes the id).</summary>
public interface ITransactionLog
{
    IReadOnlyList<TransactionLogEntry> ReadAll();

    /// <summary>Appends a record durably before returning.</summary>
    void Append(TransactionLogEntry entry);
}

/// <summary>Keeps transaction records in memory (tests, and the broker on the in-memory store).</summary>
public sealed class MemoryTransactionLog : ITransactionLog
{
    private readonly List<TransactionLogEntry> _entries = [];

    public IReadOnlyList<TransactionLogEntry> ReadAll() { lock (_entries) return _entries.ToList(); }

    public void Append(TransactionLogEntry entry) { lock (_entries) _entries.Add(entry); }
}

/// <summary>
/// Transaction records as JSON lines in &lt;data-dir&gt;/__cluster_metadata/transactions.log, each fsynced. At open the
/// file is compacted (one line per transactional id, written atomically); a torn last line is ignored.
/// </summary>
public sealed class FileTransactionLog : ITransactionLog, IDisposable
{
    private const int CompactAfterLines = 100_000;
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly List<TransactionLogEntry> _loaded = [];
    private readonly Dictionary<string, TransactionLogEntry> _live = new(StringComparer.Ordinal);
    private FileStream _file;
    private int _lines;

    public FileTransactionLog(string dataDir)
    {
        string dir = Path.Combine(dataDir, "__cluster_metadata");
        Directory.CreateDirectory(dir);
        _path = Path.Combine(dir, "transactions.log");
        if (File.Exists(_path))
        {
            foreach (var line in File.ReadAllLines(_path))
            {
                if (line.Length == 0) continue;
                TransactionLogEntry? e;
                try { e = JsonSerializer.Deserialize<TransactionLogEntry>(line); }
                catch (JsonException) { break; }
                if (e is null) break;
                if (e.IsTombstone) _live.Remove(e.TransactionalId);
                else _live[e.TransactionalId] = e;
            }
        }
        _loaded.AddRange(_live.Values);
        Compact();
        _file = OpenForAppend();
    }

    public IReadOnlyList<TransactionLogEntry> ReadAll() => _loaded;

    public void Append(TransactionLogEntry entry)
    {
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry) + "\n");
        lock (_lock)
        {
            if (entry.IsTombstone) _live.Remove(entry.TransactionalId);
            else _live[entry.TransactionalId] = entry;
            _file.Write(line);
            _file.Flush(flushToDisk: true);
            if (++_lines > CompactAfterLines && _lines > 4 * _live.Count)
            {
                _file.Dispose();
                Compact();
                _file = OpenForAppend();
            }
        }
    }

    private void Compact()
    {
        var sb = new StringBuilder();
        foreach (var e in _live.Values) sb.Append(JsonSerializer.Serialize(e)).Append('\n');
        AtomicFile.Write(_path, Encoding.UTF8.GetBytes(sb.ToString()));
        _lines = _live.Count;
    }

    private FileStream OpenForAppend() => new(_path, FileMode.Append, FileAccess.Write, FileShare.Read);

    public void Dispose()
    {
        lock (_lock) _file.Dispose();
    }
}

/// <summary>Writes the commit or abort markers of a transaction to its partitions and completes its offsets; completes when durable.</summary>
public interface ITransactionMarkerWriter
{
    Task WriteMarkersAsync(long producerId, short producerEpoch, bool commit, IReadOnlyCollection<TopicPartition> partitions, IReadOnlyCollection<PendingTxnOffset> offsets);
}
