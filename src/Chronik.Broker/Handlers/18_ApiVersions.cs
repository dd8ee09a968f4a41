// ApiVersions (key 18), v0-4.
// Built from the handler registry: every key we serve with the versions its handler declares.
// A version newer than we know gets a v0 body with UNSUPPORTED_VERSION (RequestDispatcher), and the header is
// always v0 so a client can read it before it knows what we speak. Finalized features are not advertised yet.
using Chronik.Broker.Dispatch;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers ApiVersions from the handler registry.</summary>
public sealed class ApiVersionsHandler : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    private readonly Lazy<HandlerRegistry> _lazy;
    private ApiVersionsResponse? _cached;

    // Lazy: the registry is built from all handlers, this one included.
    public ApiVersionsHandler(Lazy<HandlerRegistry> registry) => _lazy = registry;

    public override ApiKey Key => ApiKey.ApiVersions;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    public static ApiVersionsResponse Build(HandlerRegistry registry, ErrorCode error)
    {
        var response = new ApiVersionsResponse { ErrorCode = (short)error };
        foreach (var h in registry.Handlers)
        {
            response.ApiKeys.Add(new ApiVersionsResponse.ApiVersion { ApiKey = (short)h.Key, MinVersion = h.MinVersion, MaxVersion = h.MaxVersion });
        }
        return response;
    }

    protected override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion >= 3 && !IsValidClientSoftware(request))
        {
            return new(Build(_lazy.Value, ErrorCode.InvalidRequest));
        }
        return new(_cached ??= Build(_lazy.Value, ErrorCode.None));
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
