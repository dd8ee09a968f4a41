using Chronik.Coordination.Features;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Dispatch;

/// <summary>One Kafka API served by this broker: its version range and how it answers a request.</summary>
public interface IApiHandler
{
    ApiKey Key { get; }
    short MinVersion { get; }
    short MaxVersion { get; }
    IKafkaMessage CreateRequest();

    /// <summary>Runs synchronously up to its first await, so side effects happen in request order; null means no response (acks=0).</summary>
    ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, IKafkaMessage request, CancellationToken cancellationToken);
}

/// <summary>
/// A handler that ApiVersions advertises only while the finalized features enable it (the share group APIs: share.version
/// at least 1). While disabled it still answers, with UNSUPPORTED_VERSION, as Kafka's KafkaApis does.
/// </summary>
public interface IFeatureGatedHandler
{
    bool IsEnabled(FinalizedFeatureSet features);
}

/// <summary>Typed base for handlers: decode into TRequest, answer with TResponse.</summary>
public abstract class ApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : class, IKafkaMessage, new()
    where TResponse : class, IKafkaMessage
{
    public abstract ApiKey Key { get; }
    public abstract short MinVersion { get; }
    public abstract short MaxVersion { get; }

    public IKafkaMessage CreateRequest() => new TRequest();

    public ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, IKafkaMessage request, CancellationToken cancellationToken)
    {
        var task = HandleAsync(context, (TRequest)request, cancellationToken);
        return task.IsCompletedSuccessfully ? new ValueTask<IKafkaMessage?>(task.Result) : Await(task);

        static async ValueTask<IKafkaMessage?> Await(ValueTask<TResponse?> t) => await t.ConfigureAwait(false);
    }

    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);
}
