using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Tests;

/// <summary>Drives a <see cref="GroupCoordinator"/> with a fake clock and keeps every record it asks to persist.</summary>
internal sealed class GroupHarness
{
    public GroupHarness(GroupCoordinatorConfig? config = null)
    {
        Config = config ?? new GroupCoordinatorConfig { InitialRebalanceDelayMs = 3000 };
        Coordinator = new GroupCoordinator(Config);
    }

    public GroupCoordinatorConfig Config { get; }
    public GroupCoordinator Coordinator { get; private set; }
    public long Now { get; set; } = 1_000_000;
    public List<CoordinatorRecord> Log { get; } = [];

    private T Apply<T>(CoordinatorResult<T> r)
    {
        Log.AddRange(r.Records);
        r.RunCompletions();
        return r.Response;
    }

    public Task<JoinGroupResponse> Join(string group, string memberId = "", string? instanceId = null, string[]? protocols = null,
        short version = 5, int sessionMs = 10_000, int rebalanceMs = 30_000, string clientId = "client", byte[]? metadata = null)
    {
        var request = new JoinGroupRequest
        {
            GroupId = group,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            SessionTimeoutMs = sessionMs,
            RebalanceTimeoutMs = rebalanceMs,
            ProtocolType = "consumer",
        };
        foreach (var p in protocols ?? ["range"]) request.Protocols.Add(new JoinGroupRequest.JoinGroupRequestProtocol { Name = p, Metadata = metadata ?? [1, 2, 3] });
        return Apply(Coordinator.JoinGroup(request, new ClientInfo(clientId, "/127.0.0.1", version), Now));
    }

    /// <summary>A v5 join through the MEMBER_ID_REQUIRED round trip; returns the pending join.</summary>
    public Task<JoinGroupResponse> JoinNew(string group, string[]? protocols = null, byte[]? metadata = null, int sessionMs = 10_000)
    {
        var first = Join(group, protocols: protocols, metadata: metadata, sessionMs: sessionMs);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal((short)ErrorCode.MemberIdRequired, first.Result.ErrorCode);
        return Join(group, first.Result.MemberId, protocols: protocols, metadata: metadata, sessionMs: sessionMs);
    }

    public Task<SyncGroupResponse> Sync(string group, string memberId, int generation, string? instanceId = null, params (string Member, byte[] Assignment)[] assignments)
    {
        var request = new SyncGroupRequest { GroupId = group, MemberId = memberId, GenerationId = generation, GroupInstanceId = instanceId };
        foreach (var (m, a) in assignments) request.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = m, Assignment = a });
        return Apply(Coordinator.SyncGroup(request, Now));
    }

    public ErrorCode Heartbeat(string group, string memberId, int generation, string? instanceId = null) =>
        (ErrorCode)Apply(Coordinator.Heartbeat(new HeartbeatRequest { GroupId = group, MemberId = memberId, GenerationId = generation, GroupInstanceId = instanceId }, Now)).ErrorCode;

    public LeaveGroupResponse Leave(string group, string memberId, string? instanceId = null) =>
        Apply(Coordinator.LeaveGroup(group, [(memberId, instanceId)], Now));

    public ErrorCode Commit(string group, string memberId, int generation, string topic, int partition, long offset, short version = 8, string? metadata = "", string? instanceId = null)
    {
        var request = new OffsetCommitRequest { GroupId = group, MemberId = memberId, GenerationIdOrMemberEpoch = generation, GroupInstanceId = instanceId };
        var t = new OffsetCommitRequest.OffsetCommitRequestTopic { Name = topic };
        t.Partitions.Add(new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = metadata });
        request.Topics.Add(t);
        var response = Apply(Coordinator.CommitOffsets(request, version, (name, p) => name != "missing" && p < 8, Now));
        return (ErrorCode)response.Topics[0].Partitions[0].ErrorCode;
    }

    public List<DeleteGroupsResponse.DeletableGroupResult> Delete(params string[] groups) => Apply(Coordinator.DeleteGroups(groups));

    public OffsetDeleteResponse DeleteOffsets(string group, string topic, int partition)
    {
        var request = new OffsetDeleteRequest { GroupId = group };
        var t = new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = topic };
        t.Partitions.Add(new OffsetDeleteRequest.OffsetDeleteRequestPartition { PartitionIndex = partition });
        request.Topics.Add(t);
        return Apply(Coordinator.DeleteOffsets(request, (_, _) => true));
    }

    /// <summary>Moves the clock and runs the timers.</summary>
    public void Advance(long ms)
    {
        Now += ms;
        Apply(Coordinator.Tick(Now));
    }

    /// <summary>A fresh coordinator rebuilt from everything persisted so far (a broker restart).</summary>
    public void Restart()
    {
        Coordinator = new GroupCoordinator(Config);
        foreach (var r in Log) Coordinator.Replay(r.Key, r.Value, Now);
    }

    /// <summary>
    /// A restart as the broker's load does it: the log replayed from its start (records before a format marker in the
    /// earlier layout), then a marker appended if it had none. Returns whether it had one.
    /// </summary>
    public bool RestartFromLogStart()
    {
        Coordinator = new GroupCoordinator(Config);
        Coordinator.BeginOffsetsLogReplay();
        foreach (var r in Log) Coordinator.Replay(r.Key, r.Value, Now);
        bool had = Coordinator.HasFormatMarker;
        if (!had) Log.Add(OffsetsLogFormat.Marker());
        return had;
    }

    /// <summary>A restart after the offsets log was compacted: only the latest record of each key is replayed.</summary>
    public void RestartCompacted()
    {
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Log.Count; i++) latest[Convert.ToBase64String(Log[i].Key)] = i;
        var kept = Log.Where((r, i) => latest[Convert.ToBase64String(r.Key)] == i).ToList();
        Log.Clear();
        Log.AddRange(kept);
        Restart();
    }

    /// <summary>A restart from the live records the coordinator writes out when it compacts by snapshot.</summary>
    public void RestartFromSnapshot()
    {
        var snapshot = Coordinator.SnapshotRecords();
        Log.Clear();
        Log.AddRange(snapshot);
        Restart();
    }

    public static byte[] Subscription(params string[] topics)
    {
        var sub = new ConsumerProtocolSubscription { Topics = [.. topics] };
        const short version = 1;
        var buf = new byte[2 + sub.ComputeSize(version)];
        var w = new KafkaWriter(buf);
        w.WriteInt16(version);
        sub.Write(ref w, version);
        return buf;
    }
}
