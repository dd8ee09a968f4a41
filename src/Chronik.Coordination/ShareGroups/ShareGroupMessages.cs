using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>The fields of a ShareGroupHeartbeat request (v1), with who sent it.</summary>
public sealed record ShareGroupHeartbeatCall(string GroupId, string MemberId, int MemberEpoch, string? RackId,
    IReadOnlyList<string>? SubscribedTopicNames, string ClientId = "", string ClientHost = "");

/// <summary>The fields of a ShareGroupHeartbeat response; Assignment is null when it did not change.</summary>
public sealed record ShareGroupHeartbeatAnswer(ErrorCode Error, string? ErrorMessage, string? MemberId, int MemberEpoch, int HeartbeatIntervalMs,
    IReadOnlyList<ShareTopicPartitions>? Assignment);

/// <summary>
/// What a share group operation produced: the answer, the records to persist before answering, and the
/// members that left or were fenced, whose acquired records the share partitions must release.
/// </summary>
public sealed record ShareGroupResult<T>(T Response, IReadOnlyList<ShareGroupRecord> Records, IReadOnlyList<(string GroupId, string MemberId)> RemovedMembers);

/// <summary>One member as ShareGroupDescribe reports it.</summary>
public sealed record ShareGroupMemberDescription(string MemberId, string? RackId, int MemberEpoch, string ClientId, string ClientHost,
    IReadOnlyList<string> SubscribedTopicNames, IReadOnlyList<ShareTopicPartitions> Assignment);

/// <summary>A share group as ShareGroupDescribe reports it (the handler adds topic names and authorized operations).</summary>
public sealed record ShareGroupDescription(string GroupId, string GroupState, int GroupEpoch, int AssignmentEpoch, string AssignorName,
    IReadOnlyList<ShareGroupMemberDescription> Members);
