using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Chronik.SchemaRegistry.Tests;

/// <summary>A thin HTTP client for the registry's REST API: sends Confluent's content type, returns the status and parsed JSON.</summary>
public sealed class RestClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A client of <paramref name="url"/>; <paramref name="userInfo"/> ("user:password") adds HTTP basic credentials.</summary>
    public RestClient(string url, string? userInfo = null, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(url);
        _http.Timeout = TimeSpan.FromSeconds(30);
        if (userInfo is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
        }
    }

    public async Task<(HttpStatusCode Status, JsonNode? Body, string ContentType)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/vnd.schemaregistry.v1+json");
        }
        using HttpResponseMessage response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonNode? parsed;
        try
        {
            parsed = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            parsed = JsonValue.Create(text);
        }
        return (response.StatusCode, parsed, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    public Task<(HttpStatusCode Status, JsonNode? Body, string ContentType)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<(HttpStatusCode Status, JsonNode? Body, string ContentType)> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);
    public Task<(HttpStatusCode Status, JsonNode? Body, string ContentType)> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);
    public Task<(HttpStatusCode Status, JsonNode? Body, string ContentType)> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Registers a schema and returns its id (fails the test on an error answer).</summary>
    public async Task<int> RegisterAsync(string subject, string schema, string? type = null)
    {
        var body = new JsonObject { ["schema"] = schema };
        if (type is not null) body["schemaType"] = type;
        var (status, answer, _) = await PostAsync($"/subjects/{subject}/versions", body);
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"register {subject}: {(int)status} {answer?.ToJsonString()}");
        return answer!["id"]!.GetValue<int>();
    }

    public void Dispose() => _http.Dispose();
}
