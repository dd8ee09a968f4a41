using System.Text.Json.Nodes;
using Chronik.Coordination.Acls;
using Chronik.SchemaRegistry.Registry;
using Chronik.SchemaRegistry.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Chronik.SchemaRegistry.Http;

/// <summary>
/// Confluent Schema Registry's REST API as minimal-API routes: subjects and versions, schemas by id, configs,
/// modes and compatibility tests. Every route answers only on connections of the registry's listener.
/// </summary>
internal static class SchemaRegistryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("").AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.Features.Get<RegistryConnectionFeature>() is null ? Results.NotFound() : await next(ctx).ConfigureAwait(false));

        g.MapGet("/", () => RegistryJson.Ok(new JsonObject()));
        g.MapGet("/schemas/types", (SchemaRegistryService r) => Run(() => RegistryJson.Array(r.Types.Names)));

        g.MapGet("/subjects", (HttpRequest q, SchemaRegistryService r) =>
            Run(() => RegistryJson.Array(AccessFilters.Readable(q.HttpContext, r.Subjects(Flag(q, "deleted"), q.Query["subjectPrefix"].FirstOrDefault())))));
        g.MapPost("/subjects/{subject}", (string subject, HttpRequest q, SchemaRegistryService r) => RunAsync(async () =>
        {
            SchemaRequest request = RegistryJson.SchemaRequest(await RegistryJson.ReadObjectAsync(q).ConfigureAwait(false));
            return RegistryJson.Entry(r.Lookup(subject, request, Flag(q, "normalize"), Flag(q, "deleted")));
        })).OnSubject(AclOperation.Read);
        g.MapDelete("/subjects/{subject}", (string subject, HttpRequest q, SchemaRegistryService r) =>
            RunAsync(async () => RegistryJson.Array(await r.DeleteSubjectAsync(subject, Flag(q, "permanent")).ConfigureAwait(false)))).OnSubject(AclOperation.Write);

        g.MapGet("/subjects/{subject}/versions", (string subject, HttpRequest q, SchemaRegistryService r) =>
            Run(() => RegistryJson.Array(r.Versions(subject, Flag(q, "deleted"))))).OnSubject(AclOperation.Read);
        g.MapPost("/subjects/{subject}/versions", (string subject, HttpRequest q, SchemaRegistryService r) => RunAsync(async () =>
        {
            SchemaRequest request = RegistryJson.SchemaRequest(await RegistryJson.ReadObjectAsync(q).ConfigureAwait(false));
            int id = await r.RegisterAsync(subject, request, Flag(q, "normalize")).ConfigureAwait(false);
            return new JsonObject { ["id"] = id };
        })).OnSubject(AclOperation.Write);
        g.MapGet("/subjects/{subject}/versions/{version}", (string subject, string version, HttpRequest q, SchemaRegistryService r) =>
            Run(() => RegistryJson.Entry(r.Version(subject, version, Flag(q, "deleted"))))).OnSubject(AclOperation.Read);
        g.MapGet("/subjects/{subject}/versions/{version}/schema", (string subject, string version, HttpRequest q, SchemaRegistryService r) =>
            RunRaw(() => r.Version(subject, version, Flag(q, "deleted")).Schema)).OnSubject(AclOperation.Read);
        g.MapGet("/subjects/{subject}/versions/{version}/referencedby", (string subject, string version, SchemaRegistryService r) =>
            Run(() => RegistryJson.Array(r.ReferencedBy(subject, version)))).OnSubject(AclOperation.Read);
        g.MapDelete("/subjects/{subject}/versions/{version}", (string subject, string version, HttpRequest q, SchemaRegistryService r) =>
            RunAsync(async () => JsonValue.Create(await r.DeleteVersionAsync(subject, version, Flag(q, "permanent")).ConfigureAwait(false)))).OnSubject(AclOperation.Write);

        g.MapGet("/schemas/ids/{id}", (string id, HttpRequest q, SchemaRegistryService r) =>
            Run(() => RegistryJson.Entry(ReadableById(q, r, Id(id)), withSubject: false)));
        g.MapGet("/schemas/ids/{id}/schema", (string id, HttpRequest q, SchemaRegistryService r) => RunRaw(() => ReadableById(q, r, Id(id)).Schema));
        g.MapGet("/schemas/ids/{id}/subjects", (string id, HttpRequest q, SchemaRegistryService r) =>
            Run(() => RegistryJson.Array(AccessFilters.Readable(q.HttpContext, ReadableUses(q, r, Id(id)).Select(e => e.Subject).Distinct()))));
        g.MapGet("/schemas/ids/{id}/versions", (string id, HttpRequest q, SchemaRegistryService r) => Run(() =>
        {
            IReadOnlyList<SchemaEntry> uses = ReadableUses(q, r, Id(id));
            HashSet<string> readable = [.. AccessFilters.Readable(q.HttpContext, uses.Select(e => e.Subject).Distinct())];
            return new JsonArray(uses.Where(e => readable.Contains(e.Subject))
                .Select(e => (JsonNode)new JsonObject { ["subject"] = e.Subject, ["version"] = e.Version }).ToArray());
        }));

        g.MapGet("/config", (SchemaRegistryService r) => Run(() => Level(r.Config(null, true))));
        g.MapPut("/config", (HttpRequest q, SchemaRegistryService r) => RunAsync(() => PutConfigAsync(null, q, r))).SuperUserOnly();
        g.MapDelete("/config", (SchemaRegistryService r) => RunAsync(async () => Level(await r.DeleteConfigAsync(null).ConfigureAwait(false)))).SuperUserOnly();
        g.MapGet("/config/{subject}", (string subject, HttpRequest q, SchemaRegistryService r) => Run(() => Level(r.Config(subject, Flag(q, "defaultToGlobal")))))
            .OnSubject(AclOperation.Read);
        g.MapPut("/config/{subject}", (string subject, HttpRequest q, SchemaRegistryService r) => RunAsync(() => PutConfigAsync(subject, q, r))).SuperUserOnly();
        g.MapDelete("/config/{subject}", (string subject, SchemaRegistryService r) =>
            RunAsync(async () => Level(await r.DeleteConfigAsync(subject).ConfigureAwait(false)))).SuperUserOnly();

        g.MapGet("/mode", (SchemaRegistryService r) => Run(() => Mode(r.Mode(null, true))));
        g.MapPut("/mode", (HttpRequest q, SchemaRegistryService r) => RunAsync(() => PutModeAsync(null, q, r))).SuperUserOnly();
        g.MapDelete("/mode", (SchemaRegistryService r) => RunAsync(async () => Mode(await r.DeleteModeAsync(null).ConfigureAwait(false)))).SuperUserOnly();
        g.MapGet("/mode/{subject}", (string subject, HttpRequest q, SchemaRegistryService r) => Run(() => Mode(r.Mode(subject, Flag(q, "defaultToGlobal")))))
            .OnSubject(AclOperation.Read);
        g.MapPut("/mode/{subject}", (string subject, HttpRequest q, SchemaRegistryService r) => RunAsync(() => PutModeAsync(subject, q, r))).SuperUserOnly();
        g.MapDelete("/mode/{subject}", (string subject, SchemaRegistryService r) =>
            RunAsync(async () => Mode(await r.DeleteModeAsync(subject).ConfigureAwait(false)))).SuperUserOnly();

        g.MapPost("/compatibility/subjects/{subject}/versions/{version}", (string subject, string version, HttpRequest q, SchemaRegistryService r) =>
            RunAsync(() => CompatibilityAsync(subject, version, q, r))).OnSubject(AclOperation.Write);
        g.MapPost("/compatibility/subjects/{subject}/versions", (string subject, HttpRequest q, SchemaRegistryService r) =>
            RunAsync(() => CompatibilityAsync(subject, null, q, r))).OnSubject(AclOperation.Write);

        g.MapFallback(() => RegistryJson.Error(new RegistryException(404, "HTTP 404 Not Found")));
    }

    private static async Task<JsonNode> PutConfigAsync(string? subject, HttpRequest q, SchemaRegistryService r)
    {
        JsonObject body = await RegistryJson.ReadObjectAsync(q).ConfigureAwait(false);
        string? text = body["compatibility"]?.GetValue<string>() ?? body["compatibilityLevel"]?.GetValue<string>();
        if (!CompatibilityLevels.TryParse(text, out CompatibilityLevel level)) throw RegistryErrors.InvalidCompatibility(text);
        await r.SetConfigAsync(subject, level).ConfigureAwait(false);
        return new JsonObject { ["compatibility"] = CompatibilityLevels.Name(level) };
    }

    private static async Task<JsonNode> PutModeAsync(string? subject, HttpRequest q, SchemaRegistryService r)
    {
        JsonObject body = await RegistryJson.ReadObjectAsync(q).ConfigureAwait(false);
        string? text = body["mode"]?.GetValue<string>();
        if (!RegistryModes.TryParse(text, out RegistryMode mode)) throw RegistryErrors.InvalidMode(text);
        await r.SetModeAsync(subject, mode, Flag(q, "force")).ConfigureAwait(false);
        return new JsonObject { ["mode"] = RegistryModes.Name(mode) };
    }

    private static async Task<JsonNode> CompatibilityAsync(string subject, string? version, HttpRequest q, SchemaRegistryService r)
    {
        SchemaRequest request = RegistryJson.SchemaRequest(await RegistryJson.ReadObjectAsync(q).ConfigureAwait(false));
        IReadOnlyList<string> problems = r.TestCompatibility(subject, version, request, Flag(q, "normalize"));
        var answer = new JsonObject { ["is_compatible"] = problems.Count == 0 };
        if (Flag(q, "verbose")) answer["messages"] = RegistryJson.Array(problems);
        return answer;
    }

    // Confluent's SCHEMA_READ: the id must exist (40403 first), then one subject using it must be readable.
    private static SchemaEntry ReadableById(HttpRequest q, SchemaRegistryService r, int id)
    {
        SchemaEntry entry = r.ById(id);
        if (AccessFilters.AuthorizerEnabled(q.HttpContext)) AccessFilters.DemandSchemaRead(q.HttpContext, [.. r.UsesOf(id, true).Select(e => e.Subject).Distinct()], id);
        return entry;
    }

    private static IReadOnlyList<SchemaEntry> ReadableUses(HttpRequest q, SchemaRegistryService r, int id)
    {
        ReadableById(q, r, id);
        return r.UsesOf(id, Flag(q, "deleted"));
    }

    private static JsonObject Level(CompatibilityLevel l) => new() { ["compatibilityLevel"] = CompatibilityLevels.Name(l) };

    private static JsonObject Mode(RegistryMode m) => new() { ["mode"] = RegistryModes.Name(m) };

    private static bool Flag(HttpRequest q, string name) => string.Equals(q.Query[name].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);

    private static int Id(string text) => int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int id)
        ? id : throw new RegistryException(404, "HTTP 404 Not Found");

    private static IResult Run(Func<JsonNode> body)
    {
        try
        {
            return RegistryJson.Ok(body());
        }
        catch (RegistryException e)
        {
            return RegistryJson.Error(e);
        }
    }

    private static IResult RunRaw(Func<string> body)
    {
        try
        {
            return Results.Text(body(), RegistryJson.ContentType);
        }
        catch (RegistryException e)
        {
            return RegistryJson.Error(e);
        }
    }

    private static async Task<IResult> RunAsync(Func<Task<JsonNode>> body)
    {
        try
        {
            return RegistryJson.Ok(await body().ConfigureAwait(false));
        }
        catch (RegistryException e)
        {
            return RegistryJson.Error(e);
        }
    }
}
