using System.Net;
using Chronik.Broker.Configuration;

namespace Chronik.Server.Tests;

/// <summary>Starts the real executable: help, configuration errors, HTTP endpoints, and graceful SIGTERM shutdown.</summary>
public sealed class ServerProcessTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-server-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Serves_health_and_metrics_then_stops_on_sigterm()
    {
        int metricsPort = ServerProcess.FreePort();
        int kafkaPort = ServerProcess.FreePort();
        string dataDir = Path.Combine(_dir, "data");
        using var server = ServerProcess.Start(
            "--bind", "127.0.0.1", "--metrics-port", $"{metricsPort}", $"--kafka-port={kafkaPort}", "--data-dir", dataDir);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(5) };

        string health = await GetWhenUpAsync(http, "/health");
        bool kafkaAccepts = await AcceptsConnectionAsync(kafkaPort);
        using HttpResponseMessage metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        string metricsText = await metrics.Content.ReadAsStringAsync();
        server.Terminate();
        (int exitCode, string stdout, string stderr) = await server.WaitForExitAsync(s_timeout);

        Assert.Equal("ok", health);
        Assert.True(kafkaAccepts, $"nothing listens on Kafka port {kafkaPort}");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", metrics.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes ", metricsText, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_heap_size_bytes ", metricsText, StringComparison.Ordinal);
        Assert.True(Directory.Exists(dataDir));
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("shutting down", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_exits_zero_and_lists_every_flag()
    {
        using var server = ServerProcess.Start("--help");

        (int exitCode, string stdout, _) = await server.WaitForExitAsync(s_timeout);

        Assert.Equal(0, exitCode);
        foreach (ServerFlag flag in ServerFlags.All)
        {
            Assert.Contains(flag.Name, stdout, StringComparison.Ordinal);
        }
        Assert.Contains("-h", stdout, StringComparison.Ordinal);
        Assert.Contains("log.retention.check.interval.ms", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_config_value_exits_two_naming_the_key()
    {
        string path = Path.Combine(_dir, "server.properties");
        await File.WriteAllTextAsync(path, "num.partitions=lots\n");
        using var server = ServerProcess.Start("--config", path, "--metrics-port", $"{ServerProcess.FreePort()}");

        (int exitCode, _, string stderr) = await server.WaitForExitAsync(s_timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("num.partitions", stderr, StringComparison.Ordinal);
        Assert.Contains("lots", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serves_every_listener_and_logs_each()
    {
        int metricsPort = ServerProcess.FreePort(), plainPort = ServerProcess.FreePort(), internalPort = ServerProcess.FreePort();
        string path = Path.Combine(_dir, "server.properties");
        await File.WriteAllTextAsync(path, $"""
            listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT
            listeners=PLAINTEXT://127.0.0.1:{plainPort},INTERNAL://127.0.0.1:{internalPort}
            advertised.listeners=INTERNAL://internal.example:{internalPort}
            log.dirs={Path.Combine(_dir, "data")}
            """);
        using var server = ServerProcess.Start("--config", path, "--metrics-port", $"{metricsPort}", "--bind", "127.0.0.1");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(5) };

        await GetWhenUpAsync(http, "/health");
        bool plainAccepts = await AcceptsConnectionAsync(plainPort);
        bool internalAccepts = await AcceptsConnectionAsync(internalPort);
        server.Terminate();
        (int exitCode, string stdout, string stderr) = await server.WaitForExitAsync(s_timeout);

        Assert.True(plainAccepts && internalAccepts, $"listeners accept: {plainAccepts}, {internalAccepts}\n{stdout}\n{stderr}");
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains($"Listener PLAINTEXT (PLAINTEXT) on 127.0.0.1:{plainPort}, advertised as 127.0.0.1:{plainPort}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Listener INTERNAL (PLAINTEXT) on 127.0.0.1:{internalPort}, advertised as internal.example:{internalPort}", stdout, StringComparison.Ordinal);
    }

    private static async Task<bool> AcceptsConnectionAsync(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task<string> GetWhenUpAsync(HttpClient http, string path)
    {
        DateTime deadline = DateTime.UtcNow + s_timeout;
        while (true)
        {
            try
            {
                return await http.GetStringAsync(new Uri(path, UriKind.Relative));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
