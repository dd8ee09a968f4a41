using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>
/// The classic group protocol (Kafka's GroupCoordinator): JoinGroup and SyncGroup here, heartbeats, leaving and
/// the rebalance timers in ClassicGroupProtocol.Membership.cs. Joins and syncs that must wait for other members
/// return tasks completed by a later operation (via its completions). It touches only the <see cref="GroupTable"/>:
/// the one thing it needs from the KIP-848 side, tombstoning a consumer group that an empty join turns classic,
/// is done by the table.
/// </summary>
internal sealed partial class ClassicGroupProtocol
{
    private readonly GroupTable _table;
    private readonly Dictionary<string, ClassicGroup> _groups;
    private readonly GroupCoordinatorConfig _config;

    public ClassicGroupProtocol(GroupTable table)
    {
        _table = table;
        _groups = table.Groups;
        _config = table.Config;
    }

    private CoordinatorEffects Fx => _table.Fx;

    // ---- JoinGroup -------------------------------------------------------------------------------

    public Task<JoinGroupResponse> Join(JoinGroupRequest r, ClientInfo client, long now)
    {
        if (string.IsNullOrEmpty(r.GroupId)) return Task.FromResult(JoinError(r.MemberId, ErrorCode.InvalidGroupId));
        if (r.SessionTimeoutMs < _config.MinSessionTimeoutMs || r.SessionTimeoutMs > _config.MaxSessionTimeoutMs)
        {
            return Task.FromResult(JoinError(r.MemberId, ErrorCode.InvalidSessionTimeout));
        }
        var protocols = r.Protocols.Select(p => (p.Name, p.Metadata)).ToList();
        bool unknownMember = r.MemberId.Length == 0;
        if (!_groups.TryGetValue(r.GroupId, out var g))
        {
            if (!unknownMember) return Task.FromResult(JoinError(r.MemberId, ErrorCode.UnknownMemberId));
            g = new ClassicGroup(r.GroupId, now);
            _groups.Add(r.GroupId, g);
        }
        if (g.Is(GroupState.Dead)) return Task.FromResult(JoinError(r.MemberId, ErrorCode.CoordinatorNotAvailable));
        if (g.Consumer is not null)
        {
            // A consumer (KIP-848) group turns classic only once it is empty.
            if (g.Consumer.Members.Count > 0) return Task.FromResult(JoinError(r.MemberId, ErrorCode.InconsistentGroupProtocol));
            _table.WriteConsumerTombstones(g);
            g.Consumer = null;
            g.ProtocolType = null;
        }
        if (!g.SupportsProtocols(r.ProtocolType, protocols))
        {
            _table.RemoveIfUnused(g);
            return Task.FromResult(JoinError(r.MemberId, ErrorCode.InconsistentGroupProtocol));
        }
        int rebalanceTimeout = client.ApiVersion == 0 || r.RebalanceTimeoutMs < 0 ? r.SessionTimeoutMs : r.RebalanceTimeoutMs;
        var join = new JoinParams(r.GroupInstanceId, r.ProtocolType, protocols, r.SessionTimeoutMs, rebalanceTimeout, client);
        if (unknownMember)
        {
            bool knownStatic = r.GroupInstanceId is not null && g.StaticMembers.ContainsKey(r.GroupInstanceId);
            if (!knownStatic && g.Members.Count + g.PendingMembers.Count >= _config.MaxGroupSize)
            {
                return Task.FromResult(JoinError(r.MemberId, ErrorCode.GroupMaxSizeReached));
            }
            return NewMemberJoin(g, join, now);
        }
        return CurrentMemberJoin(g, r.MemberId, join, now);
    }

    private sealed record JoinParams(string? InstanceId, string ProtocolType, List<(string Name, byte[] Metadata)> Protocols,
        int SessionTimeoutMs, int RebalanceTimeoutMs, ClientInfo Client);

    private Task<JoinGroupResponse> NewMemberJoin(ClassicGroup g, JoinParams p, long now)
    {
        string newId = (p.InstanceId ?? p.Client.ClientId) + "-" + _table.NewGuid().ToString();
        if (p.InstanceId is not null) return StaticMemberJoin(g, newId, p, now);
        if (p.Client.ApiVersion >= 4)
        {
            // KIP-394: hand out the id and make the client come back with it, so a retried join cannot
            // leave a phantom member behind.
            g.PendingMembers[newId] = now + p.SessionTimeoutMs;
            return Task.FromResult(JoinError(newId, ErrorCode.MemberIdRequired));
        }
        return AddMemberAndRebalance(g, newId, p, now);
    }

    private Task<JoinGroupResponse> StaticMemberJoin(ClassicGroup g, string newId, JoinParams p, long now)
    {
        string instanceId = p.InstanceId!;
        if (!g.StaticMembers.TryGetValue(instanceId, out var oldId)) return AddMemberAndRebalance(g, newId, p, now);

        string? currentLeader = g.LeaderId;
        var member = g.ReplaceStaticMember(instanceId, oldId, newId);
        if (member.AwaitingJoin is { } oldJoin) Fx.Complete(oldJoin, JoinError(oldId, ErrorCode.FencedInstanceId));
        if (member.AwaitingSync is { } oldSync) Fx.Complete(oldSync, SyncError(ErrorCode.FencedInstanceId));
        member.AwaitingJoin = null;
        member.AwaitingSync = null;
        member.ClientId = p.Client.ClientId;
        member.ClientHost = p.Client.ClientHost;
        member.HeartbeatDeadlineMs = now + p.SessionTimeoutMs;
        switch (g.State)
        {
            case GroupState.Stable:
                {
                    g.UpdateProtocols(member, p.Protocols);
                    member.SessionTimeoutMs = p.SessionTimeoutMs;
                    member.RebalanceTimeoutMs = p.RebalanceTimeoutMs;
                    if (g.SelectProtocol() == g.ProtocolName)
                    {
                        // The new instance takes over the old one's assignment without a rebalance. It is told
                        // the old leader id, so even the leader's new instance does not compute an assignment
                        // a stable group would never hand out.
                        Fx.Records.Add(GroupMetadataRecord(g));
                        return Task.FromResult(new JoinGroupResponse
                        {
                            GenerationId = g.GenerationId,
                            ProtocolType = g.ProtocolType,
                            ProtocolName = g.ProtocolName,
                            Leader = currentLeader ?? "",
                            MemberId = newId,
                        });
                    }
                    return UpdateMemberAndRebalance(g, member, p, now);
                }
            case GroupState.CompletingRebalance:
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(g, member, p, now);
            default:
                return Task.FromResult(JoinError(newId, ErrorCode.UnknownMemberId));
        }
    }

    private Task<JoinGroupResponse> CurrentMemberJoin(ClassicGroup g, string memberId, JoinParams p, long now)
    {
        if (g.IsStaticMemberFenced(p.InstanceId, memberId)) return Task.FromResult(JoinError(memberId, ErrorCode.FencedInstanceId));
        if (g.PendingMembers.ContainsKey(memberId)) return AddMemberAndRebalance(g, memberId, p, now);
        var member = g.Get(memberId);
        if (member is null) return Task.FromResult(JoinError(memberId, ErrorCode.UnknownMemberId));
        member.HeartbeatDeadlineMs = now + p.SessionTimeoutMs;
        switch (g.State)
        {
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(g, member, p, now);
            case GroupState.CompletingRebalance:
                // A retried join of the generation being synced: answer it again unless the protocols changed.
                return member.SameProtocols(p.Protocols)
                    ? Task.FromResult(CurrentGeneration(g, member))
                    : UpdateMemberAndRebalance(g, member, p, now);
            case GroupState.Stable:
                return g.LeaderId == memberId || !member.SameProtocols(p.Protocols)
                    ? UpdateMemberAndRebalance(g, member, p, now)
                    : Task.FromResult(CurrentGeneration(g, member));
            default:
                return Task.FromResult(JoinError(memberId, ErrorCode.UnknownMemberId));
        }
    }

    private Task<JoinGroupResponse> AddMemberAndRebalance(ClassicGroup g, string memberId, JoinParams p, long now)
    {
        var member = new GroupMember(memberId, p.InstanceId, p.Client.ClientId, p.Client.ClientHost)
        {
            SessionTimeoutMs = p.SessionTimeoutMs,
            RebalanceTimeoutMs = p.RebalanceTimeoutMs,
            ProtocolType = p.ProtocolType,
            Protocols = p.Protocols,
            HeartbeatDeadlineMs = now + p.SessionTimeoutMs,
        };
        var pending = new TaskCompletionSource<JoinGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        member.AwaitingJoin = pending;
        // A member joining a brand-new group during its initial delay extends that delay (Kafka's InitialDelayedJoin).
        if (g.Is(GroupState.PreparingRebalance) && g.GenerationId == 0) g.NewMemberAdded = true;
        g.Add(member);
        MaybePrepareRebalance(g, now);
        return pending.Task;
    }

    private Task<JoinGroupResponse> UpdateMemberAndRebalance(ClassicGroup g, GroupMember member, JoinParams p, long now)
    {
        g.UpdateProtocols(member, p.Protocols);
        member.SessionTimeoutMs = p.SessionTimeoutMs;
        member.RebalanceTimeoutMs = p.RebalanceTimeoutMs;
        member.ClientId = p.Client.ClientId;
        member.ClientHost = p.Client.ClientHost;
        if (member.AwaitingJoin is { } old) Fx.Complete(old, JoinError(member.MemberId, ErrorCode.RebalanceInProgress));
        var pending = new TaskCompletionSource<JoinGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        member.AwaitingJoin = pending;
        MaybePrepareRebalance(g, now);
        return pending.Task;
    }

    private void MaybePrepareRebalance(ClassicGroup g, long now)
    {
        if (g.State is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty) PrepareRebalance(g, now);
        else if (g.Is(GroupState.PreparingRebalance)) TryCompleteJoin(g, now);
    }

    private void PrepareRebalance(ClassicGroup g, long now)
    {
        if (g.Is(GroupState.CompletingRebalance)) ResetAssignments(g, ErrorCode.RebalanceInProgress);
        if (g.Is(GroupState.Empty))
        {
            g.InitialJoin = true;
            g.InitialDelayMs = _config.InitialRebalanceDelayMs;
            g.InitialRemainingMs = Math.Max(g.RebalanceTimeoutMs - _config.InitialRebalanceDelayMs, 0);
            g.JoinDeadlineMs = now + _config.InitialRebalanceDelayMs;
        }
        else
        {
            g.InitialJoin = false;
            g.JoinDeadlineMs = now + g.RebalanceTimeoutMs;
        }
        g.TransitionTo(GroupState.PreparingRebalance, now);
        TryCompleteJoin(g, now);
    }

    /// <summary>Ends the join phase once every known member has rejoined (never early during the initial delay).</summary>
    private void TryCompleteJoin(ClassicGroup g, long now)
    {
        if (!g.Is(GroupState.PreparingRebalance)) return;
        if (g.InitialJoin ? now >= g.JoinDeadlineMs && !g.NewMemberAdded : g.AllMembersJoined) CompleteJoin(g, now);
    }

    /// <summary>The join phase's deadline passed: extend the initial delay if members keep arriving, else complete.</summary>
    private void ExpireJoin(ClassicGroup g, long now)
    {
        if (g.InitialJoin && g.NewMemberAdded && g.InitialRemainingMs != 0)
        {
            g.NewMemberAdded = false;
            int delay = Math.Min(_config.InitialRebalanceDelayMs, g.InitialRemainingMs);
            g.InitialRemainingMs = Math.Max(g.InitialRemainingMs - g.InitialDelayMs, 0);
            g.InitialDelayMs = delay;
            g.JoinDeadlineMs = now + delay;
            return;
        }
        CompleteJoin(g, now);
    }

    private void CompleteJoin(ClassicGroup g, long now)
    {
        foreach (var m in g.Members.Values.Where(m => !m.IsAwaitingJoin).ToList()) g.Remove(m.MemberId);
        g.InitialJoin = false;
        g.NewMemberAdded = false;
        g.InitNextGeneration(now);
        if (g.Is(GroupState.Empty))
        {
            Fx.Records.Add(GroupMetadataRecord(g));
            return;
        }
        foreach (var m in g.Members.Values)
        {
            var pending = m.AwaitingJoin!;
            m.AwaitingJoin = null;
            m.HeartbeatDeadlineMs = now + m.SessionTimeoutMs;
            Fx.Complete(pending, CurrentGeneration(g, m));
        }
    }

    private static JoinGroupResponse CurrentGeneration(ClassicGroup g, GroupMember member)
    {
        var response = new JoinGroupResponse
        {
            GenerationId = g.GenerationId,
            ProtocolType = g.ProtocolType,
            ProtocolName = g.ProtocolName,
            Leader = g.LeaderId ?? "",
            MemberId = member.MemberId,
        };
        if (g.LeaderId == member.MemberId)
        {
            foreach (var m in g.Members.Values)
            {
                response.Members.Add(new JoinGroupResponse.JoinGroupResponseMember
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = m.GroupInstanceId,
                    Metadata = m.MetadataFor(g.ProtocolName),
                });
            }
        }
        return response;
    }

    private static JoinGroupResponse JoinError(string memberId, ErrorCode error) =>
        new() { ErrorCode = (short)error, MemberId = memberId, GenerationId = -1, ProtocolName = null, Leader = "" };

    // ---- SyncGroup -------------------------------------------------------------------------------

    public Task<SyncGroupResponse> Sync(SyncGroupRequest r, long now)
    {
        if (!_groups.TryGetValue(r.GroupId, out var g)) return Task.FromResult(SyncError(ErrorCode.UnknownMemberId));
        if (g.Is(GroupState.Dead)) return Task.FromResult(SyncError(ErrorCode.CoordinatorNotAvailable));
        if (g.IsStaticMemberFenced(r.GroupInstanceId, r.MemberId)) return Task.FromResult(SyncError(ErrorCode.FencedInstanceId));
        var member = g.Get(r.MemberId);
        if (member is null) return Task.FromResult(SyncError(ErrorCode.UnknownMemberId));
        if (r.GenerationId != g.GenerationId) return Task.FromResult(SyncError(ErrorCode.IllegalGeneration));
        if ((r.ProtocolType is not null && r.ProtocolType != g.ProtocolType) || (r.ProtocolName is not null && r.ProtocolName != g.ProtocolName))
        {
            return Task.FromResult(SyncError(ErrorCode.InconsistentGroupProtocol));
        }
        switch (g.State)
        {
            case GroupState.PreparingRebalance:
                return Task.FromResult(SyncError(ErrorCode.RebalanceInProgress));
            case GroupState.CompletingRebalance:
                {
                    member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
                    if (member.AwaitingSync is { } old) Fx.Complete(old, SyncError(ErrorCode.RebalanceInProgress));
                    var pending = new TaskCompletionSource<SyncGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                    member.AwaitingSync = pending;
                    if (g.LeaderId == r.MemberId)
                    {
                        var given = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                        foreach (var a in r.Assignments) given[a.MemberId] = a.Assignment;
                        foreach (var m in g.Members.Values) m.Assignment = given.GetValueOrDefault(m.MemberId) ?? [];
                        Fx.Records.Add(GroupMetadataRecord(g));
                        g.TransitionTo(GroupState.Stable, now);
                        foreach (var m in g.Members.Values)
                        {
                            if (m.AwaitingSync is not { } waiting) continue;
                            m.AwaitingSync = null;
                            m.HeartbeatDeadlineMs = now + m.SessionTimeoutMs;
                            Fx.Complete(waiting, SyncOk(g, m));
                        }
                    }
                    return pending.Task;
                }
            case GroupState.Stable:
                member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
                return Task.FromResult(SyncOk(g, member));
            default:
                return Task.FromResult(SyncError(ErrorCode.UnknownMemberId));
        }
    }

    private static SyncGroupResponse SyncOk(ClassicGroup g, GroupMember m) =>
        new() { ProtocolType = g.ProtocolType, ProtocolName = g.ProtocolName, Assignment = m.Assignment };

    private static SyncGroupResponse SyncError(ErrorCode error) => new() { ErrorCode = (short)error };

    /// <summary>A rebalance started while members waited for their assignment: they get the error and must rejoin.</summary>
    private void ResetAssignments(ClassicGroup g, ErrorCode error)
    {
        foreach (var m in g.Members.Values)
        {
            m.Assignment = [];
            if (m.AwaitingSync is { } waiting)
            {
                m.AwaitingSync = null;
                Fx.Complete(waiting, SyncError(error));
            }
        }
    }

    public static CoordinatorRecord GroupMetadataRecord(ClassicGroup g) =>
        new(GroupRecords.GroupKey(g.GroupId), GroupRecords.GroupValue(g.ToStored()));
}
