// ConsumerGroupDescribe (key 69), v0: consumer (KIP-848) groups with their epochs, assignor, members, and each
// member's current and target assignment. Unknown and classic groups answer GROUP_ID_NOT_FOUND.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Services;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Describes consumer groups from the group coordinator.</summary>
public sealed class ConsumerGroupDescribeHandler : ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>
{
    private readonly GroupCoordinatorService _groups;

    public ConsumerGroupDescribeHandler(GroupCoordinatorService groups) => _groups = groups;

    public override ApiKey Key => ApiKey.ConsumerGroupDescribe;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<ConsumerGroupDescribeResponse?> HandleAsync(RequestContext context, ConsumerGroupDescribeRequest request, CancellationToken cancellationToken)
    {
        var topics = _groups.ConsumerTopics();
        var response = new ConsumerGroupDescribeResponse();
        response.Groups.AddRange(_groups.Read(c =>
            request.GroupIds.Select(id => c.DescribeConsumerGroup(id, request.IncludeAuthorizedOperations, topics)).ToList()));
        return new(response);
    }
}
