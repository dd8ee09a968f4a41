using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>The classic protocol's heartbeats, leaving, its timers (member session expiry, join-phase deadlines) and its replay.</summary>
internal sealed partial class ClassicGroupProtocol
{
    public ErrorCode Heartbeat(HeartbeatRequest r, long now)
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
    public LeaveGroupResponse LeaveGroup(string groupId, IReadOnlyList<(string MemberId, string? GroupInstanceId)> leaving, long nowMs)
    {
        var response = new LeaveGroupResponse();
        _groups.TryGetValue(groupId, out var g);
        if (g is { State: GroupState.Dead })
        {
            response.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
            return response;
        }
        foreach (var (memberId, instanceId) in leaving)
        {
            var error = g is null ? ErrorCode.UnknownMemberId : Leave(g, memberId, instanceId, nowMs);
            response.Members.Add(new LeaveGroupResponse.MemberResponse { MemberId = memberId, GroupInstanceId = instanceId, ErrorCode = (short)error });
        }
        return response;
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
        if (member.AwaitingJoin is { } join) Fx.Complete(join, JoinError(member.MemberId, ErrorCode.UnknownMemberId));
        if (member.AwaitingSync is { } sync) Fx.Complete(sync, SyncError(ErrorCode.UnknownMemberId));
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
    public int AbortPending(ErrorCode error)
    {
        int n = 0;
        foreach (var g in _groups.Values)
        {
            foreach (var m in g.Members.Values)
            {
                if (m.AwaitingJoin is { } join)
                {
                    Fx.Complete(join, JoinError(m.MemberId, error));
                    m.AwaitingJoin = null;
                    n++;
                }
                if (m.AwaitingSync is { } sync)
                {
                    Fx.Complete(sync, SyncError(error));
                    m.AwaitingSync = null;
                    n++;
                }
            }
        }
        return n;
    }

    /// <summary>Expires members and ids that stopped heartbeating and ends a join phase whose deadline passed; returns how many members expired.</summary>
    public int ExpireMembers(ClassicGroup g, long nowMs)
    {
        int expired = 0;
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
        return expired;
    }

    /// <summary>
    /// Applies a group metadata record read back from the offsets log. A group with members comes back Stable, its
    /// members given a full session timeout from <paramref name="nowMs"/> to heartbeat again (a static member may
    /// rejoin under its instance id).
    /// </summary>
    public void Replay(string groupId, byte[]? value, long nowMs)
    {
        if (value is null)
        {
            _groups.Remove(groupId);
            return;
        }
        RestoreGroup(_table.GetOrCreate(groupId, nowMs), GroupRecords.ReadGroupValue(value), nowMs);
    }

    private static void RestoreGroup(ClassicGroup g, StoredGroup s, long nowMs)
    {
        foreach (var id in g.Members.Keys.ToList()) g.Remove(id);
        g.GenerationId = s.Generation;
        g.ProtocolType = s.ProtocolType.Length == 0 && s.Members.Count == 0 ? null : s.ProtocolType;
        g.ProtocolName = s.ProtocolName;
        foreach (var sm in s.Members)
        {
            g.Add(new GroupMember(sm.MemberId, sm.GroupInstanceId, sm.ClientId, sm.ClientHost)
            {
                SessionTimeoutMs = sm.SessionTimeoutMs,
                RebalanceTimeoutMs = sm.RebalanceTimeoutMs,
                ProtocolType = s.ProtocolType,
                Protocols = [(s.ProtocolName ?? "", sm.Subscription)],
                Assignment = sm.Assignment,
                HeartbeatDeadlineMs = nowMs + sm.SessionTimeoutMs,
            });
        }
        g.LeaderId = s.Leader is not null && g.Members.ContainsKey(s.Leader) ? s.Leader : g.Members.Count > 0 ? g.Members.GetAt(0).Key : null;
        g.RestoreState(g.Members.Count > 0 ? GroupState.Stable : GroupState.Empty, s.StateTimestampMs >= 0 ? s.StateTimestampMs : nowMs);
        g.SubscribedTopics = g.ComputeSubscribedTopics();
    }
}
