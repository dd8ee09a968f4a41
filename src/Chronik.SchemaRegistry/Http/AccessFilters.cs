using Chronik.Coordination.Acls;
using Chronik.SchemaRegistry.Registry;
using Chronik.SchemaRegistry.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Chronik.SchemaRegistry.Http;

/// <summary>Per-route access checks (<see cref="RegistryAuthorizer"/>): 403 with error_code 40301 when the caller may not.</summary>
internal static class AccessFilters
{
    /// <summary>The route's {subject} needs <paramref name="op"/> on the subject's topic.</summary>
    public static RouteHandlerBuilder OnSubject(this RouteHandlerBuilder route, AclOperation op) => route.AddEndpointFilter(async (ctx, next) =>
    {
        string subject = ctx.HttpContext.Request.RouteValues["subject"] as string ?? "";
        return Authorizer(ctx.HttpContext).MaySubject(Caller(ctx.HttpContext), op, subject)
            ? await next(ctx).ConfigureAwait(false)
            : Denied(ctx.HttpContext, $"{op.ToString().ToUpperInvariant()} on topic {RegistryAuthorizer.TopicOf(subject)} (subject {subject})");
    });

    /// <summary>Only a super user (or anyone, when no authorizer is configured).</summary>
    public static RouteHandlerBuilder SuperUserOnly(this RouteHandlerBuilder route) => route.AddEndpointFilter(async (ctx, next) =>
        Authorizer(ctx.HttpContext).IsSuperUser(Caller(ctx.HttpContext))
            ? await next(ctx).ConfigureAwait(false)
            : Denied(ctx.HttpContext, $"{ctx.HttpContext.Request.Method} {ctx.HttpContext.Request.Path}: it needs a super user"));

    public static bool AuthorizerEnabled(HttpContext context) => Authorizer(context).Enabled;

    /// <summary>The subjects of <paramref name="subjects"/> the caller may READ, as a listing shows them.</summary>
    public static IEnumerable<string> Readable(HttpContext context, IEnumerable<string> subjects)
    {
        RegistryAuthorizer authorizer = Authorizer(context);
        if (!authorizer.Enabled) return subjects;
        RegistryCaller caller = Caller(context);
        return subjects.Where(s => authorizer.MaySubject(caller, AclOperation.Read, s));
    }

    /// <summary>A schema by id is readable when one subject using it is (Confluent's SCHEMA_READ).</summary>
    public static void DemandSchemaRead(HttpContext context, IReadOnlyList<string> subjectsUsingIt, int id)
    {
        if (subjectsUsingIt.Count == 0 || Readable(context, subjectsUsingIt).Any()) return;
        throw new RegistryException(40301, RegistryAuthorizer.DeniedMessage(Caller(context), $"READ on schema {id}: no subject using it is readable"));
    }

    private static IResult Denied(HttpContext context, string what) =>
        RegistryJson.Error(new RegistryException(40301, RegistryAuthorizer.DeniedMessage(Caller(context), what)));

    private static RegistryAuthorizer Authorizer(HttpContext context) => context.RequestServices.GetRequiredService<RegistryAuthorizer>();

    private static RegistryCaller Caller(HttpContext context) =>
        context.Features.Get<RegistryCaller>() ?? new RegistryCaller(RegistryCaller.Anonymous, context.Connection.RemoteIpAddress?.ToString() ?? "");
}
