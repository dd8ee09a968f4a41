using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>One member of a classic group: identity, timeouts, protocols it supports, its assignment and its pending join/sync.</summary>
internal sealed class GroupMember
{
    public GroupMember(string memberId, string? groupInstanceId, string clientId, string clientHost)
    {
        MemberId = memberId;
        GroupInstanceId = groupInstanceId;
        ClientId = clientId;
        ClientHost = clientHost;
    }

    /// <summary>Changes when a static member is replaced by a new instance with the same group.instance.id.</summary>
    public string MemberId { get; set; }
    public string? GroupInstanceId { get; }
    public string ClientId { get; set; }
    public string ClientHost { get; set; }
    public int SessionTimeoutMs { get; set; }
    public int RebalanceTimeoutMs { get; set; }
    public string ProtocolType { get; set; } = "";
    /// <summary>The protocols in the member's order of preference, with the metadata for each.</summary>
    public List<(string Name, byte[] Metadata)> Protocols { get; set; } = [];
    public byte[] Assignment { get; set; } = [];
    public TaskCompletionSource<JoinGroupResponse>? AwaitingJoin { get; set; }
    public TaskCompletionSource<SyncGroupResponse>? AwaitingSync { get; set; }
    /// <summary>When the member expires unless it heartbeats (or is waiting in a join or sync).</summary>
    public long HeartbeatDeadlineMs { get; set; }

    public bool IsAwaitingJoin => AwaitingJoin is not null;
    public bool IsAwaitingSync => AwaitingSync is not null;
    public bool IsStatic => GroupInstanceId is not null;

    public byte[] MetadataFor(string? protocol)
    {
        foreach (var (name, metadata) in Protocols)
        {
            if (name == protocol) return metadata;
        }
        return [];
    }

    public bool SameProtocols(List<(string Name, byte[] Metadata)> protocols)
    {
        if (protocols.Count != Protocols.Count) return false;
        for (int i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Name != Protocols[i].Name || !protocols[i].Metadata.AsSpan().SequenceEqual(Protocols[i].Metadata)) return false;
        }
        return true;
    }
}
