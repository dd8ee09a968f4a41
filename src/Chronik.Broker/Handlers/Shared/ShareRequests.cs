using System.Collections;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Groups;
using Chronik.Coordination.ShareGroups;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Storage;

namespace Chronik.Broker.Handlers;

/// <summary>A request's acknowledge types (int8 on the wire) seen as the bytes the share partition takes, without copying.</summary>
internal sealed class AcknowledgeTypeList(List<sbyte> types) : IReadOnlyList<byte>
{
    public byte this[int index] => (byte)types[index];
    public int Count => types.Count;

    public IEnumerator<byte> GetEnumerator()
    {
        foreach (var t in types) yield return (byte)t;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>One topic partition a share request names, resolved: its log, or the error to answer it with.</summary>
internal readonly record struct ShareTarget(TopicIdPartition Partition, IPartitionLog? Log, ErrorCode Error);

/// <summary>What ShareFetch and ShareAcknowledge have in common: request checks, partition resolution, acknowledgements.</summary>
internal static class ShareRequests
{
    /// <summary>Null when the group and member ids are usable, else the top-level error (INVALID_REQUEST or GROUP_AUTHORIZATION_FAILED).</summary>
    public static (ErrorCode Error, string? Message)? Check(RequestContext context, IRequestAuthorizer auth, string? groupId, string? memberId)
    {
        if (string.IsNullOrEmpty(groupId)) return (ErrorCode.InvalidRequest, "Group id must be set.");
        if (string.IsNullOrEmpty(memberId)) return (ErrorCode.InvalidRequest, "Member id must be set.");
        if (!auth.Authorize(context, AclOperation.Read, AclResourceType.Group, groupId))
        {
            return (ErrorCode.GroupAuthorizationFailed, AuthorizerExtensions.AuthorizationMessage(ErrorCode.GroupAuthorizationFailed));
        }
        return null;
    }

    /// <summary>Resolves a partition: UNKNOWN_TOPIC_ID, TOPIC_AUTHORIZATION_FAILED (READ on the topic), UNKNOWN_TOPIC_OR_PARTITION.</summary>
    public static ShareTarget Resolve(RequestContext context, IRequestAuthorizer auth, TopicManager topics, Guid topicId, int partition)
    {
        var tp = new TopicIdPartition(topicId, partition);
        var topic = topics.Get(topicId);
        if (topic is null) return new ShareTarget(tp, null, ErrorCode.UnknownTopicId);
        if (!auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, topic.Name)) return new ShareTarget(tp, null, ErrorCode.TopicAuthorizationFailed);
        var log = partition >= 0 && partition < topic.PartitionCount ? topics.GetLog(topic.Name, partition) : null;
        return log is null ? new ShareTarget(tp, null, ErrorCode.UnknownTopicOrPartition) : new ShareTarget(tp, log, ErrorCode.None);
    }

    /// <summary>
    /// Applies one partition's acknowledgement batches for the member; v1 knows no RENEW (type 4): INVALID_REQUEST.
    /// Returns the error and the persistence task to await before answering.
    /// </summary>
    public static (ErrorCode Error, string? Message, Task<bool> Persisted) Acknowledge(ShareGroupService shares, short version, string groupId, string memberId,
        TopicIdPartition tp, IReadOnlyList<(long First, long Last, List<sbyte> Types)> batches)
    {
        var list = new List<ShareAcknowledgementBatch>(batches.Count);
        foreach (var (first, last, types) in batches)
        {
            if (version < 2 && types.Contains((sbyte)AcknowledgeType.Renew)) return (ErrorCode.InvalidRequest, "Invalid acknowledge type: 4.", Task.FromResult(true));
            list.Add(new ShareAcknowledgementBatch(first, last, new AcknowledgeTypeList(types)));
        }
        return shares.Acknowledge(groupId, memberId, tp, list);
    }
}
