using System.Text.Json;
using System.Text.Json.Nodes;
using Chronik.SchemaRegistry.Registry;
using Chronik.SchemaRegistry.State;
using Microsoft.AspNetCore.Http;

namespace Chronik.SchemaRegistry.Http;

/// <summary>The registry's JSON on the wire: request bodies read whatever their content type, responses in <c>application/vnd.schemaregistry.v1+json</c>, errors as <c>{"error_code":…,"message":…}</c>.</summary>
internal static class RegistryJson
{
    public const string ContentType = "application/vnd.schemaregistry.v1+json";

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body).ConfigureAwait(false) as JsonObject
                ?? throw RegistryErrors.BadRequest("The request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new RegistryException(50005, $"Unrecognized request body: {e.Message}");
        }
    }

    /// <summary>A register, lookup or compatibility body: schema, schemaType, references, id, version; a field of the wrong JSON kind is 422.</summary>
    public static SchemaRequest SchemaRequest(JsonObject body)
    {
        try
        {
            return ReadSchemaRequest(body);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new RegistryException(422, $"Unprocessable request body: {e.Message}");
        }
    }

    private static SchemaRequest ReadSchemaRequest(JsonObject body)
    {
        string schema = body["schema"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw RegistryErrors.InvalidSchema("Empty schema");
        var refs = new List<SchemaReference>();
        if (body["references"] is JsonArray array)
        {
            foreach (JsonNode? r in array)
            {
                string? name = r?["name"]?.GetValue<string>();
                string? subject = r?["subject"]?.GetValue<string>();
                int? version = r?["version"]?.GetValue<int>();
                if (name is null || subject is null || version is null) throw RegistryErrors.InvalidSchema("Invalid reference: name, subject and version are required");
                refs.Add(new SchemaReference(name, subject, version.Value));
            }
        }
        return new SchemaRequest(schema, body["schemaType"]?.GetValue<string>(), refs,
            body["id"]?.GetValue<int>(), body["version"]?.GetValue<int>());
    }

    public static JsonObject Entry(SchemaEntry e, bool withSubject = true)
    {
        var o = new JsonObject();
        if (withSubject)
        {
            o["subject"] = e.Subject;
            o["version"] = e.Version;
            o["id"] = e.Id;
        }
        if (e.SchemaType != SchemaTypeNames.Avro) o["schemaType"] = e.SchemaType;
        if (e.References.Count > 0) o["references"] = References(e.References);
        o["schema"] = e.Schema;
        return o;
    }

    public static JsonArray References(IEnumerable<SchemaReference> refs) =>
        new(refs.Select(r => (JsonNode)new JsonObject { ["name"] = r.Name, ["subject"] = r.Subject, ["version"] = r.Version }).ToArray());

    public static JsonArray Array<T>(IEnumerable<T> values) => new(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>());

    public static IResult Ok(JsonNode node) => Results.Text(node.ToJsonString(), ContentType, null, StatusCodes.Status200OK);

    public static IResult Error(RegistryException e) =>
        Results.Text(new JsonObject { ["error_code"] = e.ErrorCode, ["message"] = e.Message }.ToJsonString(), ContentType, null, e.HttpStatus);
}
