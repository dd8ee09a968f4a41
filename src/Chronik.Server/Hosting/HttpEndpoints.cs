using Chronik.Server.Metrics;

namespace Chronik.Server.Hosting;

/// <summary>The operational HTTP endpoints on the metrics port: <c>/metrics</c> and <c>/health</c>.</summary>
internal static class HttpEndpoints
{
    public static void MapOperationalEndpoints(this WebApplication app)
    {
        PrometheusExporter exporter = app.Services.GetRequiredService<PrometheusExporter>();
        app.MapGet("/metrics", () => Results.Text(exporter.Render(), PrometheusText.ContentType));
        app.MapGet("/health", () => Results.Text("ok", "text/plain; charset=utf-8"));
    }
}
