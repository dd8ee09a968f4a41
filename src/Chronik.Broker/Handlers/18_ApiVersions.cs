// ApiVersions (key 18), v0-4, from the handler registry (every key with the versions its handler declares).
// A version newer than we know gets a v0 body with UNSUPPORTED_VERSION (RequestDispatcher); the header is always v0.
// v3+: the finalized features (KIP-584, Coordination/Features) as Kafka 4.0 fills them: v3 leaves out a supported
// feature whose minimum is 0 (Kafka's alterFeatureLevel0: older clients cannot parse it), no feature finalized at 0 is
// listed, and a finalized entry has min = max = its level. The share group APIs (76-79, 90-92) are listed only while
// share.version is finalized at 1 or more (IFeatureGatedHandler).
using Chronik.Broker.Dispatch;
using Chronik.Coordination.Features;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers ApiVersions from the handler registry.</summary>
public sealed class ApiVersionsHandler : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    private readonly Lazy<HandlerRegistry> _lazy;
    private readonly FinalizedFeatures _features;
    // Rebuilt when the finalized features change: one for v3 (features with a 0 minimum left out), one for v4. A class,
    // so a reader on another thread sees a whole entry (a struct of three references could be read torn).
    private Cached? _cached;

    private sealed record Cached(FinalizedFeatureSet Features, ApiVersionsResponse V3, ApiVersionsResponse V4);

    // Lazy: the registry is built from all handlers, this one included.
    public ApiVersionsHandler(Lazy<HandlerRegistry> registry, FinalizedFeatures features)
    {
        _lazy = registry;
        _features = features;
    }

    public override ApiKey Key => ApiKey.ApiVersions;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    /// <summary>Adds the v3+ feature fields (ignored when written at v0-2, which lack them).</summary>
    public static ApiVersionsResponse WithFeatures(ApiVersionsResponse response, FinalizedFeatureSet finalized, bool omitZeroMinimum)
    {
        foreach (var f in FeatureCatalog.All)
        {
            if (omitZeroMinimum && f.MinVersion == 0) continue;
            response.SupportedFeatures.Add(new ApiVersionsResponse.SupportedFeatureKey { Name = f.Name, MinVersion = f.MinVersion, MaxVersion = f.MaxVersion });
        }
        foreach (var (name, level) in finalized.Levels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (level <= 0) continue;
            response.FinalizedFeatures.Add(new ApiVersionsResponse.FinalizedFeatureKey { Name = name, MinVersionLevel = level, MaxVersionLevel = level });
        }
        response.FinalizedFeaturesEpoch = finalized.Epoch;
        return response;
    }

    protected override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion >= 3 && !IsValidClientSoftware(request))
        {
            return new(_lazy.Value.ApiVersions(ErrorCode.InvalidRequest));
        }
        var finalized = _features.Current;
        var cached = Volatile.Read(ref _cached);
        if (cached is null || !ReferenceEquals(cached.Features, finalized))
        {
            cached = new Cached(finalized,
                WithFeatures(_lazy.Value.ApiVersions(ErrorCode.None, finalized), finalized, omitZeroMinimum: true),
                WithFeatures(_lazy.Value.ApiVersions(ErrorCode.None, finalized), finalized, omitZeroMinimum: false));
            Volatile.Write(ref _cached, cached);
        }
        return new(context.ApiVersion >= 4 ? cached.V4 : cached.V3);
    }

    // KIP-511: name and version must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?
    private static bool IsValidClientSoftware(ApiVersionsRequest r) => Valid(r.ClientSoftwareName) && Valid(r.ClientSoftwareVersion);

    private static bool Valid(string s)
    {
        if (s.Length == 0) return false;
        if (!char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1])) return false;
        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '.') return false;
        }
        return true;
    }
}
