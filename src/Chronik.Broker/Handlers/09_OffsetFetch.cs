// OffsetFetch (key 9), v0-9. v0-7 fetch one group (null topics, v2+, means every committed partition);
// v8+ a batch of groups. Uncommitted partitions, unknown topics and unknown groups answer offset -1 with no
// error, as Kafka does. RequireStable (v7+) needs nothing: no transactional offsets are ever pending here.
// The member id and epoch of v9 are not checked (they only matter for KIP-848 groups).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Reads committed offsets from the group coordinator.</summary>
public sealed class OffsetFetchHandler : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    private readonly GroupCoordinatorService _groups;

    public OffsetFetchHandler(GroupCoordinatorService groups) => _groups = groups;

    public override ApiKey Key => ApiKey.OffsetFetch;
    public override short MinVersion => 0;
    public override short MaxVersion => 9;

    protected override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetFetchResponse();
        if (context.ApiVersion >= 8)
        {
            var groups = _groups.Read(c => request.Groups.Select(g =>
                c.FetchOffsets(g.GroupId, g.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList())).ToList());
            response.Groups.AddRange(groups);
            return new(response);
        }
        var topics = request.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList();
        var one = _groups.Read(c => c.FetchOffsets(request.GroupId, topics));
        foreach (var t in one.Topics)
        {
            var rt = new OffsetFetchResponse.OffsetFetchResponseTopic { Name = t.Name };
            foreach (var p in t.Partitions)
            {
                rt.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    CommittedOffset = p.CommittedOffset,
                    CommittedLeaderEpoch = context.ApiVersion >= 5 ? p.CommittedLeaderEpoch : -1,
                    Metadata = p.Metadata,
                    ErrorCode = p.ErrorCode,
                });
            }
            response.Topics.Add(rt);
        }
        response.ErrorCode = one.ErrorCode;
        return new(response);
    }
}
