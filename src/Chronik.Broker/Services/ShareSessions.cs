using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Services;

/// <summary>One share session (KIP-932): the partitions a member fetches from, and the epoch its next request must carry.</summary>
public sealed class ShareSession(string groupId, string memberId)
{
    public string GroupId { get; } = groupId;
    public string MemberId { get; } = memberId;
    /// <summary>The epoch the next ShareFetch/ShareAcknowledge must carry (1 after the opening fetch).</summary>
    public int Epoch { get; set; } = 1;
    private readonly HashSet<TopicIdPartition> _members = [];

    /// <summary>The session's partitions in the order they were added (ShareFetch answers in this order).</summary>
    public List<TopicIdPartition> Partitions { get; } = [];

    /// <summary>When a request last used the session (ms); an idle session is evicted after the group's session timeout.</summary>
    public long LastUsedMs { get; set; }

    /// <summary>Requests of the session under way (a long-polling fetch keeps its session from being evicted).</summary>
    public int InFlight { get; set; }

    public void Add(TopicIdPartition p)
    {
        if (_members.Add(p)) Partitions.Add(p);
    }

    public void Remove(TopicIdPartition p)
    {
        if (_members.Remove(p)) Partitions.Remove(p);
    }

    public void NextEpoch() => Epoch = Epoch == int.MaxValue ? 1 : Epoch + 1;
}

/// <summary>
/// The share sessions of this broker, keyed by group and member (Kafka's ShareSessionCache): epoch 0 opens a session
/// (replacing the member's old one), a positive epoch must match, -1 closes. At most <see cref="MaxSessions"/> sessions
/// (Kafka's max.share.sessions default): a new one beyond answers SHARE_SESSION_LIMIT_REACHED. A session no request used
/// for the group's share.session.timeout.ms is evicted (its member's records released), so abandoned sessions do not pile up. Not thread-safe: the
/// share group service calls it under its lock.
/// </summary>
public sealed class ShareSessions
{
    public const int MaxSessions = 2000;
    private readonly Dictionary<(string, string), ShareSession> _sessions = [];

    public int Count => _sessions.Count;

    /// <summary>Opens a session for the member (epoch 0), replacing the old one; null and the error when the cache is full.</summary>
    public (ShareSession? Session, ErrorCode Error) Open(string groupId, string memberId, long nowMs)
    {
        _sessions.Remove((groupId, memberId));
        if (_sessions.Count >= MaxSessions) return (null, ShareErrorCodes.ShareSessionLimitReached);
        var s = new ShareSession(groupId, memberId) { LastUsedMs = nowMs, InFlight = 1 };
        _sessions[(groupId, memberId)] = s;
        return (s, ErrorCode.None);
    }

    /// <summary>The session a request with a positive or final (-1) epoch continues, or the error: SHARE_SESSION_NOT_FOUND, INVALID_SHARE_SESSION_EPOCH.</summary>
    public (ShareSession? Session, ErrorCode Error) Continue(string groupId, string memberId, int epoch, long nowMs)
    {
        if (!_sessions.TryGetValue((groupId, memberId), out var s)) return (null, ShareErrorCodes.ShareSessionNotFound);
        if (epoch != -1 && epoch != s.Epoch) return (null, ShareErrorCodes.InvalidShareSessionEpoch);
        s.LastUsedMs = nowMs;
        s.InFlight++;
        return (s, ErrorCode.None);
    }

    /// <summary>Removes and returns the sessions idle for longer than their group's timeout (a member that stopped fetching).</summary>
    public List<ShareSession> EvictIdle(long nowMs, Func<string, long> timeoutMs)
    {
        var idle = new List<ShareSession>();
        foreach (var s in _sessions.Values)
        {
            if (s.InFlight == 0 && nowMs - s.LastUsedMs > timeoutMs(s.GroupId)) idle.Add(s);
        }
        foreach (var s in idle) _sessions.Remove((s.GroupId, s.MemberId));
        return idle;
    }

    public void Close(string groupId, string memberId) => _sessions.Remove((groupId, memberId));

    /// <summary>Drops every session of a group (it was deleted).</summary>
    public void CloseGroup(string groupId)
    {
        foreach (var key in _sessions.Keys.Where(k => k.Item1 == groupId).ToList()) _sessions.Remove(key);
    }
}
