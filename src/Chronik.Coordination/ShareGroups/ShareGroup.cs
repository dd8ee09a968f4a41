using Chronik.Coordination.Groups;

namespace Chronik.Coordination.ShareGroups;

/// <summary>A share group (KIP-932): members, the group epoch, and the target assignment with its epoch.</summary>
internal sealed class ShareGroup(string groupId)
{
    public string GroupId { get; } = groupId;
    public int GroupEpoch { get; set; }
    /// <summary>A hash of the subscribed topics' ids and partition counts the target was computed from.</summary>
    public long MetadataHash { get; set; }
    public int AssignmentEpoch { get; set; }
    public long AssignmentTimestampMs { get; set; }
    public SortedDictionary<string, ShareGroupMember> Members { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, HashSet<TopicIdPartition>> Target { get; } = new(StringComparer.Ordinal);

    /// <summary>Kafka's share group states as ListGroups and ShareGroupDescribe name them.</summary>
    public string StateName => Members.Count == 0 ? "Empty" : "Stable";
}
