using System.Diagnostics;
using Chronik.SchemaRegistry.Registry;
using Chronik.SchemaRegistry.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Chronik.SchemaRegistry.Http;

/// <summary>
/// Runs before every route on the registry's port (other ports pass straight through): authenticates the caller when
/// the broker uses SASL (401 with error_code 40101 otherwise), hands the <see cref="RegistryCaller"/> to the routes, and
/// records the request in <see cref="RegistryMetrics"/> whatever its outcome.
/// </summary>
internal sealed class RegistryMiddleware(RequestDelegate next, BasicAuthenticator authenticator, RegistryMetrics metrics)
{
    private const string Realm = "Basic realm=\"SchemaRegistry\"";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<RegistryConnectionFeature>() is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        long started = Stopwatch.GetTimestamp();
        try
        {
            string? principal = authenticator.Enabled ? authenticator.Authenticate(context.Request.Headers.Authorization) : RegistryCaller.Anonymous;
            if (principal is null)
            {
                context.Response.Headers.WWWAuthenticate = Realm;
                await RegistryJson.Error(new RegistryException(40101, "Unauthorized")).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            context.Features.Set(new RegistryCaller(principal, context.Connection.RemoteIpAddress?.ToString() ?? ""));
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            metrics.RequestCompleted(RouteOf(context), MethodOf(context.Request.Method), context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    // The fallback's catch-all template would read as "{*path:nonfile}": every unknown path is one "other" series.
    private static string RouteOf(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } raw } && !raw.Contains('*', StringComparison.Ordinal) ? raw : "other";

    private static string MethodOf(string method) => method switch
    {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        _ => "OTHER",
    };
}
