using Chronik.Coordination.Features;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Dispatch;

/// <summary>The handlers this broker serves, by API key; ApiVersions is derived from it. A key registered twice fails start-up.</summary>
public sealed class HandlerRegistry
{
    private readonly IApiHandler?[] _byKey = new IApiHandler?[short.MaxValue + 1];
    private readonly FinalizedFeatures? _features;

    public HandlerRegistry(IEnumerable<IApiHandler> handlers, FinalizedFeatures? features = null)
    {
        _features = features;
        var list = new List<IApiHandler>();
        foreach (var h in handlers)
        {
            int k = (int)h.Key;
            if (_byKey[k] is not null) throw new InvalidOperationException($"API {h.Key} ({k}) has two handlers: {_byKey[k]!.GetType().Name} and {h.GetType().Name}");
            var info = ApiKeys.Get((short)k) ?? throw new InvalidOperationException($"{h.GetType().Name} serves unknown API key {k}");
            if (h.MinVersion < info.MinVersion || h.MaxVersion > info.MaxVersion || h.MinVersion > h.MaxVersion)
            {
                throw new InvalidOperationException($"{h.GetType().Name} serves v{h.MinVersion}-{h.MaxVersion}, outside the schema's v{info.MinVersion}-{info.MaxVersion}");
            }
            _byKey[k] = h;
            list.Add(h);
        }
        Handlers = list.OrderBy(h => (short)h.Key).ToList();
    }

    public IReadOnlyList<IApiHandler> Handlers { get; }

    public IApiHandler? Get(short apiKey) => apiKey >= 0 ? _byKey[apiKey] : null;

    /// <summary>
    /// An ApiVersions answer listing every served key and version range, without the v3+ feature fields; a feature-gated
    /// handler only while <paramref name="features"/> (default: the finalized features now) enable it.
    /// </summary>
    public ApiVersionsResponse ApiVersions(ErrorCode error, FinalizedFeatureSet? features = null)
    {
        var response = new ApiVersionsResponse { ErrorCode = (short)error };
        features ??= _features?.Current;
        foreach (var h in Handlers)
        {
            if (h is IFeatureGatedHandler gated && (features is null || !gated.IsEnabled(features))) continue;
            response.ApiKeys.Add(new ApiVersionsResponse.ApiVersion { ApiKey = (short)h.Key, MinVersion = h.MinVersion, MaxVersion = h.MaxVersion });
        }
        return response;
    }
}
