// DescribeTopicPartitions (key 75), v0.
// Like Metadata for partitions, with KIP-966 pagination: topics (all, internal included, when the list is empty) in
// name order from the cursor's topic and partition, at most min(response_partition_limit, 2000) partitions, and a
// next cursor when more remain. Leaders, replicas and ISR are placed as in Metadata (the rendezvous order over the
// live brokers; a single node leads every partition), epoch 0; ELR lists are empty. A cursor topic missing from a non-empty topic list is INVALID_REQUEST for every topic, as in Kafka.
// Never auto-creates. With an authorizer: listing all topics leaves out those the principal may not DESCRIBE; a named
// one it may not describe is TOPIC_AUTHORIZATION_FAILED. Authorized operations come from the ACLs (all without them).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Coordination.Acls;
using Chronik.Broker.Services;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes topic partitions page by page.</summary>
public sealed class DescribeTopicPartitionsHandler : ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>
{
    /// <summary>Kafka's max.request.partition.size.limit default.</summary>
    public const int MaxPartitionLimit = 2000;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public DescribeTopicPartitionsHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DescribeTopicPartitions;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<DescribeTopicPartitionsResponse?> HandleAsync(RequestContext context, DescribeTopicPartitionsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeTopicPartitionsResponse();
        var cursor = request.Cursor;
        bool all = request.Topics.Count == 0;
        var names = all
            ? _cluster.Topics.Topics.Select(t => t.Name).Where(n => _auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, n)).ToList()
            : request.Topics.Select(t => t.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (cursor is not null && !all && !names.Contains(cursor.TopicName, StringComparer.Ordinal))
        {
            foreach (var name in names) response.Topics.Add(Error(name, ErrorCode.InvalidRequest));
            return new(response);
        }
        int remaining = Math.Clamp(request.ResponsePartitionLimit, 1, MaxPartitionLimit);
        var placement = _cluster.PlacementFor(context.Session.Listener);
        foreach (var name in names)
        {
            if (cursor is not null && string.CompareOrdinal(name, cursor.TopicName) < 0) continue;
            if (remaining == 0)
            {
                response.NextCursor = new DescribeTopicPartitionsResponse.Cursor { TopicName = name, PartitionIndex = 0 };
                break;
            }
            if (TopicNames.Validate(name) is not null)
            {
                response.Topics.Add(Error(name, ErrorCode.InvalidTopicException));
                continue;
            }
            if (!all && !_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, name))
            {
                response.Topics.Add(Error(name, ErrorCode.TopicAuthorizationFailed));
                continue;
            }
            var topic = _cluster.Topics.Get(name);
            if (topic is null)
            {
                response.Topics.Add(Error(name, ErrorCode.UnknownTopicOrPartition));
                continue;
            }
            var described = new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
            {
                Name = topic.Name,
                TopicId = topic.Id,
                IsInternal = topic.IsInternal,
                TopicAuthorizedOperations = _auth.AuthorizedOperations(context, AclResourceType.Topic, topic.Name),
            };
            int first = cursor is not null && cursor.TopicName == name ? Math.Max(0, cursor.PartitionIndex) : 0;
            int p = first;
            for (; p < topic.PartitionCount && remaining > 0; p++, remaining--) described.Partitions.Add(Partition(placement.Replicas(topic.Id, p), p));
            response.Topics.Add(described);
            if (p < topic.PartitionCount)
            {
                response.NextCursor = new DescribeTopicPartitionsResponse.Cursor { TopicName = name, PartitionIndex = p };
                break;
            }
        }
        return new(response);
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition Partition(int[] replicas, int index) => new()
    {
        PartitionIndex = index,
        LeaderId = replicas[0],
        LeaderEpoch = ClusterView.LeaderEpoch,
        ReplicaNodes = [.. replicas],
        IsrNodes = [.. replicas],
        EligibleLeaderReplicas = [],
        LastKnownElr = [],
    };

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic Error(string name, ErrorCode error) =>
        new() { Name = name, ErrorCode = (short)error, TopicId = Guid.Empty, TopicAuthorizedOperations = int.MinValue };
}
