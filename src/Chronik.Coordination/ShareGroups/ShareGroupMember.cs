using Chronik.Coordination.Groups;

namespace Chronik.Coordination.ShareGroups;

/// <summary>One member of a share group: its subscription, epochs and the partitions it may fetch.</summary>
internal sealed class ShareGroupMember(string memberId)
{
    public string MemberId { get; } = memberId;
    public string? RackId { get; set; }
    public string ClientId { get; set; } = "";
    public string ClientHost { get; set; } = "";
    public List<string> SubscribedTopicNames { get; set; } = [];
    public int MemberEpoch { get; set; }
    public int PreviousMemberEpoch { get; set; }
    public HashSet<TopicIdPartition> Assigned { get; set; } = [];
    /// <summary>When the member is fenced unless it heartbeats (share.session.timeout.ms after its last heartbeat).</summary>
    public long SessionDeadlineMs { get; set; } = long.MaxValue;
}
