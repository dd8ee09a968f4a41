using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>What ShareGroupDescribe, ListGroups and DeleteGroups need, and the rebuild from records.</summary>
public sealed partial class ShareGroupCoordinator
{
    /// <summary>The group as ShareGroupDescribe reports it, or null (GROUP_ID_NOT_FOUND).</summary>
    public ShareGroupDescription? Describe(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var g)) return null;
        return new ShareGroupDescription(g.GroupId, g.StateName, g.GroupEpoch, g.AssignmentEpoch, SimpleShareAssignor.Name,
            [.. g.Members.Values.Select(m => new ShareGroupMemberDescription(m.MemberId, m.RackId, m.MemberEpoch, m.ClientId, m.ClientHost,
                [.. m.SubscribedTopicNames], ShareTopicPartitions.From(m.Assigned)))]);
    }

    /// <summary>Every share group with its state, for ListGroups (type "share").</summary>
    public IReadOnlyList<(string GroupId, string State)> List() =>
        [.. _groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal).Select(g => (g.GroupId, g.StateName))];

    /// <summary>The partitions a member may fetch now (ShareFetch checks them), or null when it is not a member.</summary>
    public IReadOnlySet<TopicIdPartition>? AssignmentOf(string groupId, string memberId) =>
        _groups.TryGetValue(groupId, out var g) && g.Members.TryGetValue(memberId, out var m) ? m.Assigned : null;

    /// <summary>DeleteGroups on a share group: only an empty one goes (NON_EMPTY_GROUP otherwise).</summary>
    public ShareGroupResult<ErrorCode> Delete(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var g)) return new(ErrorCode.GroupIdNotFound, [], []);
        if (g.Members.Count > 0) return new(ErrorCode.NonEmptyGroup, [], []);
        _groups.Remove(groupId);
        return new(ErrorCode.None,
            [new ShareGroupTargetEpochRecord(groupId, 0, 0) { IsTombstone = true }, new ShareGroupEpochRecord(groupId, 0, 0) { IsTombstone = true }], []);
    }

    /// <summary>Applies one record read back from the log, in log order (start-up, or a new coordinator).</summary>
    public void Replay(ShareGroupRecord record)
    {
        _groups.TryGetValue(record.GroupId, out var g);
        if (g is null)
        {
            if (record.IsTombstone) return;
            g = new ShareGroup(record.GroupId);
            _groups.Add(record.GroupId, g);
        }
        switch (record)
        {
            case ShareGroupEpochRecord e when e.IsTombstone:
                _groups.Remove(record.GroupId);
                break;
            case ShareGroupEpochRecord e:
                g.GroupEpoch = e.Epoch;
                g.MetadataHash = e.MetadataHash;
                break;
            case ShareGroupTargetEpochRecord t when !t.IsTombstone:
                g.AssignmentEpoch = t.AssignmentEpoch;
                g.AssignmentTimestampMs = t.AssignmentTimestampMs;
                break;
            case ShareGroupMemberRecord m when m.IsTombstone:
                g.Members.Remove(m.MemberId);
                break;
            case ShareGroupMemberRecord m:
                var member = Member(g, m.MemberId);
                member.RackId = m.RackId;
                member.ClientId = m.ClientId;
                member.ClientHost = m.ClientHost;
                member.SubscribedTopicNames = [.. m.SubscribedTopicNames];
                break;
            case ShareGroupTargetMemberRecord t when t.IsTombstone:
                g.Target.Remove(t.MemberId);
                break;
            case ShareGroupTargetMemberRecord t:
                g.Target[t.MemberId] = ShareTopicPartitions.ToSet(t.Partitions);
                break;
            case ShareGroupCurrentAssignmentRecord a when !a.IsTombstone:
                var current = Member(g, a.MemberId);
                current.MemberEpoch = a.MemberEpoch;
                current.PreviousMemberEpoch = a.PreviousMemberEpoch;
                current.Assigned = ShareTopicPartitions.ToSet(a.AssignedPartitions);
                break;
        }
    }

    /// <summary>After replay: every member gets a full session from now, as Kafka reschedules them on load.</summary>
    public void CompleteReplay()
    {
        long now = NowMs;
        foreach (var g in _groups.Values)
        {
            foreach (var m in g.Members.Values) m.SessionDeadlineMs = now + Settings(g.GroupId).SessionTimeoutMs;
        }
    }

    private static ShareGroupMember Member(ShareGroup g, string memberId)
    {
        if (!g.Members.TryGetValue(memberId, out var m))
        {
            m = new ShareGroupMember(memberId);
            g.Members.Add(memberId, m);
        }
        return m;
    }
}
