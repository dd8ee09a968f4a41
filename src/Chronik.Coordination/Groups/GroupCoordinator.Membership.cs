using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>Heartbeats, leaving, and the timers: member session expiry, join-phase deadlines, offset expiry.</summary>
public sealed partial class GroupCoordinator
{
    private long _nextOffsetExpiryMs = long.MinValue;

    public CoordinatorResult<HeartbeatResponse> Heartbeat(HeartbeatRequest r, long nowMs)
    {
        Begin();
        return End(new HeartbeatResponse { ErrorCode = (short)DoHeartbeat(r, nowMs) });
    }

    private ErrorCode DoHeartbeat(HeartbeatRequest r, long now)
    {
        if (!_groups.TryGetValue(r.GroupId, out var g)) return ErrorCode.UnknownMemberId;
        if (g.Is(GroupState.Dead)) return ErrorCode.CoordinatorNotAvailable;
        if (g.Is(GroupState.Empty)) return ErrorCode.UnknownMemberId;
        if (g.IsStaticMemberFenced(r.GroupInstanceId, r.MemberId)) return ErrorCode.FencedInstanceId;
        var member = g.Get(r.MemberId);
        if (member is null) return ErrorCode.UnknownMemberId;
        if (r.GenerationId != g.GenerationId) return ErrorCode.IllegalGeneration;
        member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
        // Members that have not rejoined learn of the rebalance from their heartbeat.
        return g.Is(GroupState.PreparingRebalance) ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    /// <summary>LeaveGroup: the members listed (v3+) or the one member id (v0-2); by member id or by group.instance.id.</summary>
    public CoordinatorResult<LeaveGroupResponse> LeaveGroup(string groupId, IReadOnlyList<(string MemberId, string? GroupInstanceId)> leaving, long nowMs)
    {
        Begin();
        var response = new LeaveGroupResponse();
        _groups.TryGetValue(groupId, out var g);
        if (g is { State: GroupState.Dead })
        {
            response.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
            return End(response);
        }
        foreach (var (memberId, instanceId) in leaving)
        {
            var error = g is null ? ErrorCode.UnknownMemberId : Leave(g, memberId, instanceId, nowMs);
            response.Members.Add(new LeaveGroupResponse.MemberResponse { MemberId = memberId, GroupInstanceId = instanceId, ErrorCode = (short)error });
        }
        return End(response);
    }

    private ErrorCode Leave(ClassicGroup g, string memberId, string? instanceId, long now)
    {
        if (memberId.Length == 0 && instanceId is not null)
        {
            if (!g.StaticMembers.TryGetValue(instanceId, out var staticId)) return ErrorCode.UnknownMemberId;
            RemoveMemberAndUpdateGroup(g, g.Get(staticId)!, now);
            return ErrorCode.None;
        }
        if (g.IsStaticMemberFenced(instanceId, memberId)) return ErrorCode.FencedInstanceId;
        if (g.PendingMembers.Remove(memberId))
        {
            TryCompleteJoin(g, now);
            return ErrorCode.None;
        }
        var member = g.Get(memberId);
        if (member is null) return ErrorCode.UnknownMemberId;
        RemoveMemberAndUpdateGroup(g, member, now);
        return ErrorCode.None;
    }

    private void RemoveMemberAndUpdateGroup(ClassicGroup g, GroupMember member, long now)
    {
        if (member.AwaitingJoin is { } join) _fx.Complete(join, JoinError(member.MemberId, ErrorCode.UnknownMemberId));
        if (member.AwaitingSync is { } sync) _fx.Complete(sync, SyncError(ErrorCode.UnknownMemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync = null;
        g.Remove(member.MemberId);
        switch (g.State)
        {
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
                PrepareRebalance(g, now);
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(g, now);
                break;
        }
    }

    /// <summary>Answers every waiting join and sync with <paramref name="error"/> (NOT_COORDINATOR at shutdown, so clients look for the coordinator again).</summary>
    public CoordinatorResult<int> AbortPending(ErrorCode error)
    {
        Begin();
        int n = 0;
        foreach (var g in _groups.Values)
        {
            foreach (var m in g.Members.Values)
            {
                if (m.AwaitingJoin is { } join)
                {
                    _fx.Complete(join, JoinError(m.MemberId, error));
                    m.AwaitingJoin = null;
                    n++;
                }
                if (m.AwaitingSync is { } sync)
                {
                    _fx.Complete(sync, SyncError(error));
                    m.AwaitingSync = null;
                    n++;
                }
            }
        }
        return End(n);
    }

    /// <summary>Advances the timers to <paramref name="nowMs"/>: expires members and ids that stopped heartbeating, ends join phases, expires offsets.</summary>
    public CoordinatorResult<int> Tick(long nowMs)
    {
        Begin();
        int expired = 0;
        foreach (var g in _groups.Values.ToList())
        {
            foreach (var (id, deadline) in g.PendingMembers.ToList())
            {
                if (nowMs < deadline) continue;
                g.PendingMembers.Remove(id);
                TryCompleteJoin(g, nowMs);
            }
            foreach (var m in g.Members.Values.ToList())
            {
                // Members waiting in a join or a sync are kept alive by the rebalance itself.
                if (m.IsAwaitingJoin || m.IsAwaitingSync || nowMs < m.HeartbeatDeadlineMs) continue;
                if (g.Get(m.MemberId) != m) continue;
                RemoveMemberAndUpdateGroup(g, m, nowMs);
                expired++;
            }
            if (g.Is(GroupState.PreparingRebalance) && nowMs >= g.JoinDeadlineMs) ExpireJoin(g, nowMs);
            expired += ExpireConsumerMembers(g, nowMs);
        }
        if (nowMs >= _nextOffsetExpiryMs)
        {
            _nextOffsetExpiryMs = nowMs + _config.OffsetsRetentionCheckIntervalMs;
            ExpireOffsets(nowMs);
        }
        return End(expired);
    }
}
