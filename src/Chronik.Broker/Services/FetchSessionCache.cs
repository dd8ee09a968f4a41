namespace Chronik.Broker.Services;

/// <summary>One partition a fetch session tracks, with what the client last heard about it.</summary>
public sealed class SessionPartition
{
    public required string Topic { get; init; }
    public required Guid TopicId { get; init; }
    public required int Partition { get; init; }
    public long FetchOffset { get; set; }
    public int MaxBytes { get; set; }
    public long LastHighWatermark { get; set; } = -1;
    public long LastLogStartOffset { get; set; } = -1;
}

/// <summary>An incremental fetch session (KIP-227): the partitions it covers, in the order the client added them.</summary>
public sealed class FetchSession
{
    public required int Id { get; init; }
    public int Epoch { get; set; }
    public long LastUsedTicks { get; set; }
    public List<SessionPartition> Partitions { get; } = [];
    public Dictionary<(Guid TopicId, string Topic, int Partition), SessionPartition> ByKey { get; } = [];

    public SessionPartition Upsert(string topic, Guid topicId, int partition)
    {
        var key = (topicId, topic, partition);
        if (!ByKey.TryGetValue(key, out var sp))
        {
            sp = new SessionPartition { Topic = topic, TopicId = topicId, Partition = partition };
            ByKey[key] = sp;
            Partitions.Add(sp);
        }
        return sp;
    }

    public void Remove(string topic, Guid topicId, int partition)
    {
        if (ByKey.Remove((topicId, topic, partition), out var sp)) Partitions.Remove(sp);
    }
}

/// <summary>Fetch sessions by id, bounded in number (least recently used evicted); a session is used by one request at a time.</summary>
public sealed class FetchSessionCache
{
    public const int MaxSessions = 1000;
    private readonly object _lock = new();
    private readonly Dictionary<int, FetchSession> _sessions = [];
    private int _nextId = Random.Shared.Next(1, int.MaxValue / 2);

    public FetchSession Create()
    {
        lock (_lock)
        {
            if (_sessions.Count >= MaxSessions)
            {
                var oldest = _sessions.Values.MinBy(s => s.LastUsedTicks)!;
                _sessions.Remove(oldest.Id);
            }
            int id;
            do { id = _nextId++; if (_nextId <= 0) _nextId = 1; } while (_sessions.ContainsKey(id));
            var s = new FetchSession { Id = id, Epoch = 1, LastUsedTicks = Environment.TickCount64 };
            _sessions[id] = s;
            return s;
        }
    }

    public FetchSession? Get(int id)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(id, out var s)) return null;
            s.LastUsedTicks = Environment.TickCount64;
            return s;
        }
    }

    public void Remove(int id)
    {
        lock (_lock) _sessions.Remove(id);
    }
}
