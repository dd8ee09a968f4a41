using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>Sends KIP-848 consumer group heartbeats to a <see cref="GroupHarness"/>'s coordinator (topic "orders", 4 partitions).</summary>
internal sealed class ConsumerHarness
{
    public static readonly Guid TopicA = new("00000000-0000-0000-0000-00000000000a");
    public static readonly Guid TopicB = new("00000000-0000-0000-0000-00000000000b");

    public GroupHarness G { get; } = new();
    public List<ConsumerTopic> Topics { get; } = [new("orders", TopicA, 4, false)];
    /// <summary>The records the last heartbeat asked to persist.</summary>
    public IReadOnlyList<CoordinatorRecord> LastRecords { get; private set; } = [];

    public ConsumerGroupHeartbeatResponse Beat(string member, int epoch, string[]? topics = null, string? regex = null,
        IEnumerable<int>? owned = null, string? assignor = null, short version = 1, string group = "g", string? instance = null)
    {
        var r = new ConsumerGroupHeartbeatRequest
        {
            GroupId = group,
            MemberId = member,
            MemberEpoch = epoch,
            InstanceId = instance,
            RebalanceTimeoutMs = epoch == 0 ? 30_000 : -1,
            SubscribedTopicNames = topics is null ? null : [.. topics],
            SubscribedTopicRegex = regex,
            ServerAssignor = assignor,
        };
        if (owned is not null) r.TopicPartitions = [new ConsumerGroupHeartbeatRequest.TopicPartitionsData { TopicId = TopicA, Partitions = [.. owned] }];
        else if (epoch == 0) r.TopicPartitions = [];
        var result = G.Coordinator.ConsumerGroupHeartbeat(r, new ClientInfo("c", "/127.0.0.1", version), Topics, G.Now);
        G.Log.AddRange(result.Records);
        LastRecords = result.Records;
        return result.Response;
    }

    public int[] Assigned(string member, string group = "g") =>
        [.. G.Coordinator.ConsumerAssignmentOf(group, member).Select(tp => tp.Partition).Order()];

    public static int[] Partitions(ConsumerGroupHeartbeatResponse r) =>
        [.. r.Assignment!.TopicPartitions.SelectMany(t => t.Partitions).Order()];
}
