using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>Who sent a request: what the coordinator stores about a member besides the request body.</summary>
public readonly record struct ClientInfo(string ClientId, string ClientHost, short ApiVersion);

/// <summary>
/// The group coordinator (classic groups as Kafka's GroupCoordinator, KIP-848 consumer groups, committed offsets)
/// as a deterministic state machine: every operation takes the current time in milliseconds and returns its
/// response with the records to persist; timers (session, rebalance and initial-delay timeouts, offset expiry)
/// advance only in <see cref="Tick"/>. Joins and syncs that must wait for other members return tasks completed by
/// a later operation (via its completions). Not thread-safe: the owner serializes calls. State is rebuilt by
/// <see cref="Replay"/> of the persisted records.
/// <para>
/// This class is a facade: it brackets each operation with the table's Begin/End and hands it to one part.
/// The parts share one <see cref="GroupTable"/> (groups, config, member ids, the effects being collected) and are
/// cut so that none calls another: <see cref="ClassicGroupProtocol"/> (join, sync, heartbeat, leave, rebalance
/// timers), <see cref="ConsumerGroupProtocol"/> (KIP-848 heartbeat and describe, over the pure
/// <see cref="ConsumerTargetAssignment"/>, persisted by <see cref="ConsumerGroupLog"/>), <see cref="OffsetManager"/>
/// (commit, fetch, delete, expiry, transactional offsets) and <see cref="GroupAdmin"/> (describe, list, delete).
/// What more than one part needs — creating and forgetting groups, deleting a group with all it persisted,
/// tombstoning a consumer group that turns classic — is in the table. A KIP-848 group mirrors its state into the
/// classic Empty/Stable, so offsets, admin and expiry read one state; their member and epoch checks read the group
/// data directly. Only the facade sees all the parts: <see cref="Tick"/> runs each part's timers in the order the
/// records must come out, <see cref="Replay"/> routes each record by its key version, and
/// <see cref="SnapshotRecords"/> writes each group's records followed by its offsets.
/// </para>
/// </summary>
public sealed class GroupCoordinator
{
    /// <summary>
    /// Kafka 4.0's group ACL operations READ (3), DELETE (6), DESCRIBE (8), DESCRIBE_CONFIGS (10) and ALTER_CONFIGS (11):
    /// everything is allowed without an authorizer.
    /// </summary>
    public const int GroupAuthorizedOperations = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

    private readonly GroupTable _table;
    private readonly ClassicGroupProtocol _classic;
    private readonly ConsumerGroupLog _consumerLog;
    private readonly ConsumerGroupProtocol _consumer;
    private readonly OffsetManager _offsets;
    private readonly GroupAdmin _admin;

    public GroupCoordinator(GroupCoordinatorConfig config, Func<Guid>? newGuid = null)
    {
        _table = new GroupTable(config, newGuid ?? Guid.NewGuid);
        _classic = new ClassicGroupProtocol(_table);
        _consumerLog = new ConsumerGroupLog(_table);
        _consumer = new ConsumerGroupProtocol(_table, _consumerLog);
        _offsets = new OffsetManager(_table);
        _admin = new GroupAdmin(_table);
    }

    public GroupCoordinatorConfig Config => _table.Config;

    /// <summary>The state of a group, or null when the coordinator does not know it (for tests and metrics).</summary>
    public GroupState? StateOf(string groupId) => _table.Groups.TryGetValue(groupId, out var g) ? g.State : null;

    public int GroupCount => _table.Groups.Count;

    /// <summary>How many groups are consumer (KIP-848) groups.</summary>
    public int ConsumerGroupCount => _table.Groups.Values.Count(g => g.Consumer is not null && !g.Is(GroupState.Dead));

    // ---- Classic groups (ClassicGroupProtocol) -----------------------------------------------------

    public CoordinatorResult<Task<JoinGroupResponse>> JoinGroup(JoinGroupRequest request, ClientInfo client, long nowMs)
    {
        _table.Begin();
        return _table.End(_classic.Join(request, client, nowMs));
    }

    public CoordinatorResult<Task<SyncGroupResponse>> SyncGroup(SyncGroupRequest request, long nowMs)
    {
        _table.Begin();
        return _table.End(_classic.Sync(request, nowMs));
    }

    public CoordinatorResult<HeartbeatResponse> Heartbeat(HeartbeatRequest r, long nowMs)
    {
        _table.Begin();
        return _table.End(new HeartbeatResponse { ErrorCode = (short)_classic.Heartbeat(r, nowMs) });
    }

    /// <summary>LeaveGroup: the members listed (v3+) or the one member id (v0-2); by member id or by group.instance.id.</summary>
    public CoordinatorResult<LeaveGroupResponse> LeaveGroup(string groupId, IReadOnlyList<(string MemberId, string? GroupInstanceId)> leaving, long nowMs)
    {
        _table.Begin();
        return _table.End(_classic.LeaveGroup(groupId, leaving, nowMs));
    }

    /// <summary>Answers every waiting join and sync with <paramref name="error"/> (NOT_COORDINATOR at shutdown, so clients look for the coordinator again).</summary>
    public CoordinatorResult<int> AbortPending(ErrorCode error)
    {
        _table.Begin();
        return _table.End(_classic.AbortPending(error));
    }

    /// <summary>Advances the timers to <paramref name="nowMs"/>: expires members and ids that stopped heartbeating, ends join phases, expires offsets.</summary>
    public CoordinatorResult<int> Tick(long nowMs)
    {
        _table.Begin();
        int expired = 0;
        foreach (var g in _table.Groups.Values.ToList())
        {
            expired += _classic.ExpireMembers(g, nowMs);
            expired += _consumer.ExpireMembers(g, nowMs);
        }
        _offsets.MaybeExpireOffsets(nowMs);
        return _table.End(expired);
    }

    // ---- Consumer groups, KIP-848 (ConsumerGroupProtocol) ------------------------------------------

    public CoordinatorResult<ConsumerGroupHeartbeatResponse> ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest r, ClientInfo client,
        IReadOnlyList<ConsumerTopic> topics, long nowMs)
    {
        _table.Begin();
        return _table.End(_consumer.Heartbeat(r, client, topics, nowMs));
    }

    /// <summary>ConsumerGroupDescribe for one group: GROUP_ID_NOT_FOUND for unknown and classic groups.</summary>
    public ConsumerGroupDescribeResponse.DescribedGroup DescribeConsumerGroup(string groupId, bool includeAuthorizedOperations, IReadOnlyList<ConsumerTopic> topics) =>
        _consumer.Describe(groupId, includeAuthorizedOperations, topics);

    /// <summary>The assigned partitions of a consumer group member (for tests).</summary>
    public IReadOnlyCollection<TopicIdPartition> ConsumerAssignmentOf(string groupId, string memberId) => _consumer.AssignmentOf(groupId, memberId);

    /// <summary>The consumer group state name (Empty, Assigning, Reconciling, Stable), or null for an unknown or classic group.</summary>
    public string? ConsumerStateOf(string groupId) => _consumer.StateOf(groupId);

    // ---- Offsets (OffsetManager) -------------------------------------------------------------------

    /// <summary>
    /// Commits offsets after Kafka's checks: a standalone commit (generation &lt; 0) is accepted only while the
    /// group is empty; otherwise the member and generation must be current and the group not between join and
    /// sync. <paramref name="partitionExists"/> answers UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist.
    /// </summary>
    public CoordinatorResult<OffsetCommitResponse> CommitOffsets(OffsetCommitRequest r, short apiVersion, Func<string, int, bool> partitionExists, long nowMs)
    {
        _table.Begin();
        return _table.End(_offsets.CommitOffsets(r, apiVersion, partitionExists, nowMs));
    }

    /// <summary>
    /// The committed offsets of one group, in the v8+ (batched) shape: the listed partitions, or every committed
    /// partition when <paramref name="topics"/> is null. Unknown groups and uncommitted partitions answer -1.
    /// </summary>
    public OffsetFetchResponse.OffsetFetchResponseGroup FetchOffsets(string groupId, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? topics) =>
        _offsets.FetchOffsets(groupId, topics);

    /// <summary>OffsetFetch v9 checks for a consumer group; None when the request names no member.</summary>
    public ErrorCode ValidateOffsetFetchMember(string groupId, string? memberId, int memberEpoch) =>
        _offsets.ValidateOffsetFetchMember(groupId, memberId, memberEpoch);

    /// <summary>
    /// OffsetDelete: removes committed offsets of an empty group, or of a consumer group for topics none of
    /// its members subscribes to (GROUP_SUBSCRIBED_TO_TOPIC for the others).
    /// </summary>
    public CoordinatorResult<OffsetDeleteResponse> DeleteOffsets(OffsetDeleteRequest r, Func<string, int, bool> partitionExists)
    {
        _table.Begin();
        return _table.End(_offsets.DeleteOffsets(r, partitionExists));
    }

    /// <summary>
    /// Kafka's checks for TxnOffsetCommit: a dead group is not available; generation -1 with no member id (clients
    /// before KIP-447) is not checked; otherwise the (static) member must exist and the generation be current.
    /// </summary>
    public ErrorCode ValidateTransactionalCommit(string groupId, int generationId, string memberId, string? groupInstanceId) =>
        _offsets.ValidateTransactionalCommit(groupId, generationId, memberId, groupInstanceId);

    /// <summary>Makes the offsets of a committed transaction visible, creating the group if it does not exist (as Kafka does).</summary>
    public CoordinatorResult<int> CommitTransactionalOffsets(string groupId, IEnumerable<(string Topic, int Partition, long Offset, int LeaderEpoch, string Metadata)> offsets, long nowMs)
    {
        _table.Begin();
        return _table.End(_offsets.CommitTransactionalOffsets(groupId, offsets, nowMs));
    }

    /// <summary>The committed offset of one partition (for tests and tools), or null.</summary>
    public CommittedOffset? CommittedOffsetOf(string groupId, string topic, int partition) => _offsets.CommittedOffsetOf(groupId, topic, partition);

    // ---- DescribeGroups, ListGroups, DeleteGroups (GroupAdmin) -------------------------------------

    /// <summary>An unknown group is described as Dead with no error, as Kafka does before DescribeGroups v6.</summary>
    public DescribeGroupsResponse.DescribedGroup DescribeGroup(string groupId, bool includeAuthorizedOperations) =>
        _admin.DescribeGroup(groupId, includeAuthorizedOperations);

    /// <summary>Every live group, optionally filtered by state names and by type ("classic" or "consumer"); filters ignore case.</summary>
    public List<ListGroupsResponse.ListedGroup> ListGroups(IReadOnlyCollection<string>? statesFilter, IReadOnlyCollection<string>? typesFilter) =>
        _admin.ListGroups(statesFilter, typesFilter);

    /// <summary>Deletes empty groups with their offsets (tombstones for the group and every offset).</summary>
    public CoordinatorResult<List<DeleteGroupsResponse.DeletableGroupResult>> DeleteGroups(IReadOnlyList<string> groupIds)
    {
        _table.Begin();
        return _table.End(_admin.DeleteGroups(groupIds));
    }

    // ---- The offsets log: replay and snapshot ------------------------------------------------------

    /// <summary>
    /// Starts a replay of the offsets log from its start, which may hold records of a release before the format
    /// marker (<see cref="OffsetsLogFormat"/>): until a marker is replayed, KIP-848 record values are read in that
    /// earlier layout. Without this call every record is read in Kafka's layouts.
    /// </summary>
    public void BeginOffsetsLogReplay()
    {
        _earlierConsumerLayout = true;
        HasFormatMarker = false;
    }

    /// <summary>Whether the replayed log held a format marker; the owner appends one to a log without (new, or from an earlier release) before writing to it.</summary>
    public bool HasFormatMarker { get; private set; }

    private bool _earlierConsumerLayout;

    /// <summary>
    /// Applies one record read back from the offsets log; the latest record of a key wins and a null value
    /// deletes. A group with members comes back Stable, its members given a full session timeout from
    /// <paramref name="nowMs"/> to heartbeat again (a static member may rejoin under its instance id).
    /// </summary>
    public void Replay(byte[] key, byte[]? value, long nowMs)
    {
        switch (GroupRecords.KeyVersion(key))
        {
            case 0:
            case 1:
                _offsets.Replay(key, value, nowMs);
                return;
            case GroupRecords.GroupKeyVersion:
                _classic.Replay(GroupRecords.ReadGroupKey(key), value, nowMs);
                return;
            case var t when ConsumerGroupRecords.IsConsumerRecord(t):
                if (_earlierConsumerLayout && value is not null) value = LegacyConsumerGroupRecords.ToKafkaLayout((ConsumerRecordType)t, value);
                _consumerLog.Replay(key, value, nowMs);
                return;
            case OffsetsLogFormat.RecordType:
                OffsetsLogFormat.Read(value);
                _earlierConsumerLayout = false;
                HasFormatMarker = true;
                return;
        }
    }

    /// <summary>
    /// Every live record: the format marker first, then a consumer group's records, or one group metadata record per
    /// classic group that has had a generation; one per committed offset.
    /// </summary>
    public List<CoordinatorRecord> SnapshotRecords()
    {
        var records = new List<CoordinatorRecord> { OffsetsLogFormat.Marker() };
        foreach (var g in _table.Groups.Values)
        {
            if (g.Consumer is not null) ConsumerGroupLog.AddSnapshot(g, records);
            else if (g.GenerationId > 0 || g.ProtocolType is not null) records.Add(ClassicGroupProtocol.GroupMetadataRecord(g));
            OffsetManager.AddSnapshot(g, records);
        }
        return records;
    }
}
