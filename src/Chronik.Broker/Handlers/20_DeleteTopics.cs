// DeleteTopics (key 20), v0-6.
// v0-5 name topics (TopicNames); v6 names or ids (Topics), never both for one entry. Unknown names get
// UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID; a name or id repeated in one request gets
// INVALID_REQUEST once. Deletion is synchronous: the partitions are gone when the response is sent
// (Kafka answers once the controller has committed the deletion and removes files later).
// With an authorizer: DELETE on each topic (TOPIC_AUTHORIZATION_FAILED); by id without DESCRIBE the name is withheld.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Deletes topics by name or id.</summary>
public sealed class DeleteTopicsHandler : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public DeleteTopicsHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.DeleteTopics;
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new DeleteTopicsResponse();
        var entries = v >= 6
            ? request.Topics.Select(t => (t.Name, t.TopicId)).ToList()
            : request.TopicNames.Select(n => ((string?)n, Guid.Empty)).ToList();

        var names = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<Guid>();
        var dupNames = new HashSet<string>(StringComparer.Ordinal);
        var dupIds = new HashSet<Guid>();
        foreach (var (name, id) in entries)
        {
            if (name is not null && !names.Add(name)) dupNames.Add(name);
            if (name is null && id != Guid.Empty && !ids.Add(id)) dupIds.Add(id);
        }

        foreach (var (name, id) in entries)
        {
            if (name is not null ? dupNames.Contains(name) : dupIds.Contains(id)) continue;
            response.Responses.Add(Delete(context, v, name, id));
        }
        foreach (var name in dupNames) response.Responses.Add(Result(v, name, Guid.Empty, ErrorCode.InvalidRequest, "Duplicate topic name."));
        foreach (var id in dupIds) response.Responses.Add(Result(v, null, id, ErrorCode.InvalidRequest, "Duplicate topic id."));
        return new(response);
    }

    private DeleteTopicsResponse.DeletableTopicResult Delete(RequestContext context, short v, string? name, Guid id)
    {
        if (name is not null && id != Guid.Empty) return Result(v, name, id, ErrorCode.InvalidRequest, "You may not specify both topic name and topic id.");
        if (name is null && id == Guid.Empty) return Result(v, null, id, ErrorCode.InvalidRequest, "Neither topic name nor id were specified.");
        TopicInfo? topic;
        if (name is null)
        {
            topic = _cluster.Topics.Get(id);
            if (topic is null) return Result(v, null, id, ErrorCode.UnknownTopicId, "This server does not host this topic ID.");
            if (!_auth.Authorize(context, AclOperation.Describe, AclResourceType.Topic, topic.Name)) return Result(v, null, id, ErrorCode.TopicAuthorizationFailed, null);
            if (!_auth.Authorize(context, AclOperation.Delete, AclResourceType.Topic, topic.Name)) return Result(v, topic.Name, id, ErrorCode.TopicAuthorizationFailed, null);
        }
        else
        {
            if (!_auth.Authorize(context, AclOperation.Delete, AclResourceType.Topic, name)) return Result(v, name, Guid.Empty, ErrorCode.TopicAuthorizationFailed, null);
            topic = _cluster.Topics.Get(name);
            if (topic is null) return Result(v, name, Guid.Empty, ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.");
        }
        // The coordinators' own logs (__consumer_offsets) live as long as the broker; deleting them under a running
        // coordinator would lose every group's offsets, so they are refused like DeleteRecords refuses them.
        if (topic.IsInternal) return Result(v, topic.Name, topic.Id, ErrorCode.InvalidTopicException, $"Topic {topic.Name} is an internal topic and cannot be deleted.");
        var deleted = _cluster.Topics.Delete(topic.Name);
        return Result(v, topic.Name, topic.Id, deleted.Error, deleted.Error == ErrorCode.None ? null : deleted.Message);
    }

    private static DeleteTopicsResponse.DeletableTopicResult Result(short v, string? name, Guid id, ErrorCode code, string? message) => new()
    {
        // Name is non-nullable before v6; an id-only entry cannot occur there.
        Name = name ?? (v >= 6 ? null : ""),
        TopicId = v >= 6 ? id : Guid.Empty,
        ErrorCode = (short)code,
        ErrorMessage = v >= 5 ? message : null,
    };
}
