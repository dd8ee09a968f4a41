// The classic records of the offsets log (__consumer_offsets), in Kafka's own layouts (the generated codecs of
// records/group-coordinator: OffsetCommitKey/Value, GroupMetadataKey/Value), so Kafka tooling reads them. Keys carry
// their record type (0 and 1 offset commits, 2 group metadata); offset values are written at v3 and group values at v3,
// the versions Kafka writes when no topic id is known. A null value is a tombstone (offset deleted or expired; group deleted).
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.GroupCoordinator;

namespace Chronik.Coordination.Groups;

/// <summary>A committed offset as stored: offset, leader epoch, metadata and commit time.</summary>
public sealed record CommittedOffset(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs);

/// <summary>A member as stored in a group metadata record.</summary>
public sealed record StoredMember(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost,
    int RebalanceTimeoutMs, int SessionTimeoutMs, byte[] Subscription, byte[] Assignment);

/// <summary>A group as stored in a group metadata record.</summary>
public sealed record StoredGroup(string ProtocolType, int Generation, string? ProtocolName, string? Leader, long StateTimestampMs, IReadOnlyList<StoredMember> Members);

/// <summary>Encodes and decodes the classic offsets-log records.</summary>
public static class GroupRecords
{
    public const short OffsetKeyVersion = GroupCoordinatorRecordTypes.OffsetCommit;
    public const short GroupKeyVersion = GroupCoordinatorRecordTypes.GroupMetadata;
    private const short OffsetValueVersion = 3;
    private const short GroupValueVersion = 3;

    public static byte[] OffsetKey(string group, string topic, int partition) =>
        CoordinatorRecordCodec.Key(OffsetKeyVersion, new OffsetCommitKey { Group = group, Topic = topic, Partition = partition });

    public static byte[] OffsetValue(CommittedOffset o) =>
        CoordinatorRecordCodec.Value(new OffsetCommitValue
        {
            Offset = o.Offset, LeaderEpoch = o.LeaderEpoch, Metadata = o.Metadata, CommitTimestamp = o.CommitTimestampMs,
        }, OffsetValueVersion);

    public static byte[] GroupKey(string group) => CoordinatorRecordCodec.Key(GroupKeyVersion, new GroupMetadataKey { Group = group });

    public static byte[] GroupValue(StoredGroup g) =>
        CoordinatorRecordCodec.Value(new GroupMetadataValue
        {
            ProtocolType = g.ProtocolType, Generation = g.Generation, Protocol = g.ProtocolName, Leader = g.Leader,
            CurrentStateTimestamp = g.StateTimestampMs,
            Members = g.Members.Select(m => new GroupMetadataValue.MemberMetadata
            {
                MemberId = m.MemberId, GroupInstanceId = m.GroupInstanceId, ClientId = m.ClientId, ClientHost = m.ClientHost,
                RebalanceTimeout = m.RebalanceTimeoutMs, SessionTimeout = m.SessionTimeoutMs, Subscription = m.Subscription,
                Assignment = m.Assignment,
            }).ToList(),
        }, GroupValueVersion);

    /// <summary>Which kind of key this is: an offset commit (0 or 1), group metadata (2), or something unknown.</summary>
    public static short KeyVersion(ReadOnlySpan<byte> key) => CoordinatorRecordCodec.Type(key);

    /// <summary>Reads an offset commit key (types 0 and 1 share their fields).</summary>
    public static (string Group, string Topic, int Partition) ReadOffsetKey(byte[] key)
    {
        var k = CoordinatorRecordCodec.ReadKey(new OffsetCommitKey(), key);
        return (k.Group, k.Topic, k.Partition);
    }

    public static string ReadGroupKey(byte[] key) => CoordinatorRecordCodec.ReadKey(new GroupMetadataKey(), key).Group;

    /// <summary>Reads offset values v0-4 (v1 carries an expire timestamp, ignored; v0-2 have no leader epoch).</summary>
    public static CommittedOffset ReadOffsetValue(byte[] value)
    {
        var v = CoordinatorRecordCodec.ReadValue(new OffsetCommitValue(), value, out _);
        return new CommittedOffset(v.Offset, v.LeaderEpoch, v.Metadata, v.CommitTimestamp);
    }

    /// <summary>Reads group values v0-4 (before v1 a member's rebalance timeout is its session timeout).</summary>
    public static StoredGroup ReadGroupValue(byte[] value)
    {
        var v = CoordinatorRecordCodec.ReadValue(new GroupMetadataValue(), value, out _);
        var members = v.Members.Select(m => new StoredMember(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
            m.RebalanceTimeout < 0 ? m.SessionTimeout : m.RebalanceTimeout, m.SessionTimeout, m.Subscription, m.Assignment)).ToList();
        return new StoredGroup(v.ProtocolType, v.Generation, v.Protocol, v.Leader, v.CurrentStateTimestamp, members);
    }
}
