using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>Members leaving (epoch -1) and being fenced when their session times out.</summary>
public sealed partial class ShareGroupCoordinator
{
    private ShareGroupHeartbeatAnswer Leave(ShareGroupHeartbeatCall c, List<ShareGroupRecord> records, List<(string, string)> removed)
    {
        var g = GroupFor(c.GroupId, create: false);
        if (!g.Members.TryGetValue(c.MemberId, out var member))
        {
            throw new ShareGroupException(ErrorCode.UnknownMemberId, $"Member {c.MemberId} is not a member of group {c.GroupId}.");
        }
        Remove(g, member, records, removed);
        return new ShareGroupHeartbeatAnswer(ErrorCode.None, null, c.MemberId, -1, 0, null);
    }

    /// <summary>When the next session expires (ms since the epoch), or long.MaxValue: the owner's timer.</summary>
    public long NextSessionDeadlineMs =>
        _groups.Values.SelectMany(g => g.Members.Values).Select(m => m.SessionDeadlineMs).DefaultIfEmpty(long.MaxValue).Min();

    /// <summary>Fences every member whose session timed out by now.</summary>
    public ShareGroupResult<int> ExpireSessions()
    {
        long now = NowMs;
        var records = new List<ShareGroupRecord>();
        var removed = new List<(string, string)>();
        foreach (var g in _groups.Values)
        {
            foreach (var m in g.Members.Values.Where(m => m.SessionDeadlineMs <= now).ToList()) Remove(g, m, records, removed);
        }
        return new ShareGroupResult<int>(removed.Count, records, removed);
    }

    /// <summary>Removes a member (Kafka writes the tombstones current assignment, target, member) and bumps the group epoch.</summary>
    private static void Remove(ShareGroup g, ShareGroupMember m, List<ShareGroupRecord> records, List<(string, string)> removed)
    {
        g.Members.Remove(m.MemberId);
        g.Target.Remove(m.MemberId);
        records.Add(new ShareGroupCurrentAssignmentRecord(g.GroupId, m.MemberId, 0, 0, 0, []) { IsTombstone = true });
        records.Add(new ShareGroupTargetMemberRecord(g.GroupId, m.MemberId, []) { IsTombstone = true });
        records.Add(new ShareGroupMemberRecord(g.GroupId, m.MemberId, null, "", "", []) { IsTombstone = true });
        BumpEpoch(g, g.MetadataHash, records);
        removed.Add((g.GroupId, m.MemberId));
    }
}
