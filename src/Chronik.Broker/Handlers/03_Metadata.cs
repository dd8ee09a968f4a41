// Metadata (key 3), v0-13 (v13's top-level error code is always NONE: no REBOOTSTRAP_REQUIRED here).
// Brokers: the live brokers (this node with the advertised host/port of the listener the client connected to, the
// others with the listener they registered); a single node is the only one. A partition's leader is the first of the
// rendezvous order over the live node ids, its replicas and ISR min(RF, live) brokers of it; leader epoch 0. Every
// broker serves every partition, so a client with stale metadata is never refused. The controller is this node.
// v0: an empty topic list means all topics; v1+: null means all, empty means none. Unknown topics are
// auto-created when auto.create.topics.enable is on and the request allows it (v4+), answered at once
// with their partitions (Kafka says LEADER_NOT_AVAILABLE first; creation here is synchronous). An auto-creation past
// max.broker.partitions answers that topic POLICY_VIOLATION.
// With an authorizer: all-topics requests list only topics the client may DESCRIBE; a named topic without
// DESCRIBE gets TOPIC_AUTHORIZATION_FAILED; auto-creation needs CREATE on the cluster or the topic.
// A null topic name below v12 (which cannot be answered) closes the connection, as Kafka's InvalidRequestException.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Handlers;

/// <summary>Answers Metadata from the topic manager.</summary>
public sealed class MetadataHandler : ApiHandler<MetadataRequest, MetadataResponse>
{
    private const int AuthorizedOperationsUnknown = AuthorizerExtensions.OperationsNotRequested;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public MetadataHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.Metadata;
    public override short MinVersion => 0;
    public override short MaxVersion => 13;

    protected override ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var topics = _cluster.Topics;
        var response = new MetadataResponse
        {
            ClusterId = _cluster.ClusterId,
            ControllerId = _cluster.NodeId,
            ClusterAuthorizedOperations = v is >= 8 and <= 10 && request.IncludeClusterAuthorizedOperations
                ? _auth.AuthorizedOperations(context, AclResourceType.Cluster, AclBinding.ClusterName) : AuthorizedOperationsUnknown,
        };
        bool topicOps = v >= 8 && request.IncludeTopicAuthorizedOperations;
        var placement = _cluster.PlacementFor(context.Session.Listener);
        foreach (var b in placement.Brokers)
        {
            response.Brokers.Add(new MetadataResponse.MetadataResponseBroker { NodeId = b.NodeId, Host = b.Host, Port = b.Port, Rack = b.Rack });
        }

        bool all = request.Topics is null || (v == 0 && request.Topics.Count == 0);
        if (all)
        {
            foreach (var t in topics.Topics)
            {
                if (!t.IsInternal && _auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, t.Name)) response.Topics.Add(Describe(context, t, topicOps, placement));
            }
            return new(response);
        }
        bool allowCreate = topics.Defaults.AutoCreateTopics && (v < 4 || request.AllowAutoTopicCreation);
        foreach (var rt in request.Topics!)
        {
            TopicInfo? t = null;
            // v10-11 carry topic ids but cannot answer a null name (nullable from v12): Kafka rejects the request too.
            if (rt.Name is null && v < 12) KafkaProtocolException.Throw($"Metadata v{v} names a topic by id only; topic names are required below v12");
            if (rt.Name is null)
            {
                t = topics.Get(rt.TopicId);
                if (t is null)
                {
                    response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = null, TopicId = rt.TopicId, ErrorCode = (short)ErrorCode.UnknownTopicId, TopicAuthorizedOperations = AuthorizedOperationsUnknown });
                    continue;
                }
                if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, t.Name))
                {
                    response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = null, TopicId = rt.TopicId, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, TopicAuthorizedOperations = AuthorizedOperationsUnknown });
                    continue;
                }
            }
            else
            {
                if (TopicNames.Validate(rt.Name) is not null)
                {
                    response.Topics.Add(Error(rt.Name, ErrorCode.InvalidTopicException));
                    continue;
                }
                if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, rt.Name))
                {
                    response.Topics.Add(Error(rt.Name, ErrorCode.TopicAuthorizationFailed));
                    continue;
                }
                t = topics.Get(rt.Name);
                if (t is null && allowCreate && !_auth.AuthorizeCluster(context, AclOperation.Create)
                    && !_auth.Authorize(context, AclOperation.Create, AclResourceType.Topic, rt.Name))
                {
                    response.Topics.Add(Error(rt.Name, ErrorCode.TopicAuthorizationFailed));
                    continue;
                }
                if (t is null && allowCreate)
                {
                    var created = topics.Create(rt.Name, -1, -1, null, validateOnly: false);
                    t = created.Error == ErrorCode.None ? created.Topic : topics.Get(rt.Name);
                    if (t is null)
                    {
                        response.Topics.Add(Error(rt.Name, created.Error));
                        continue;
                    }
                }
                if (t is null)
                {
                    response.Topics.Add(Error(rt.Name, ErrorCode.UnknownTopicOrPartition));
                    continue;
                }
            }
            response.Topics.Add(Describe(context, t, topicOps, placement));
        }
        return new(response);
    }

    private static MetadataResponse.MetadataResponseTopic Error(string name, ErrorCode code) =>
        new() { Name = name, ErrorCode = (short)code, TopicAuthorizedOperations = AuthorizedOperationsUnknown };

    private MetadataResponse.MetadataResponseTopic Describe(RequestContext context, TopicInfo t, bool includeOps, ClusterView.Placement placement)
    {
        int topicOps = includeOps ? _auth.AuthorizedOperations(context, AclResourceType.Topic, t.Name) : AuthorizedOperationsUnknown;
        var topic = new MetadataResponse.MetadataResponseTopic
        {
            Name = t.Name,
            TopicId = t.Id,
            IsInternal = t.IsInternal,
            TopicAuthorizedOperations = topicOps,
        };
        for (int p = 0; p < t.PartitionCount; p++)
        {
            int[] replicas = placement.Replicas(t.Id, p);
            topic.Partitions.Add(new MetadataResponse.MetadataResponsePartition
            {
                PartitionIndex = p,
                LeaderId = replicas[0],
                LeaderEpoch = ClusterView.LeaderEpoch,
                ReplicaNodes = [.. replicas],
                IsrNodes = [.. replicas],
            });
        }
        return topic;
    }
}
