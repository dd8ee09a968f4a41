using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Chronik.Storage.Objects.S3;

namespace Chronik.Storage.Objects.Tests;

/// <summary>
/// A real s3rver@3.7.1 (npm, installed by scripts/setup-clients.sh) on a free 127.0.0.1 port with a temporary
/// directory and one bucket, stopped by its PID. Found through CHRONIK_S3RVER (the path of bin/s3rver.js), else
/// $CHRONIK_CACHE/node/node_modules/s3rver (default cache /var/cache/chronik).
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "chronik-test";
    public const string AccessKey = "S3RVER"; // s3rver's built-in account
    public const string SecretKey = "S3RVER";

    private Process? _process;
    private string _dir = "";

    public int Port { get; private set; }

    public IPEndPoint SocketEndPoint => new(IPAddress.Loopback, Port);

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public string Log { get; private set; } = "";

    public static string FindScript()
    {
        if (Environment.GetEnvironmentVariable("CHRONIK_S3RVER") is { Length: > 0 } env) return env;
        string cache = Environment.GetEnvironmentVariable("CHRONIK_CACHE") is { Length: > 0 } c ? c : "/var/cache/chronik";
        string path = Path.Combine(cache, "node", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(path)) throw new FileNotFoundException($"s3rver is not installed at {path}: run scripts/setup-clients.sh (or set CHRONIK_S3RVER)");
        return path;
    }

    public S3ObjectStoreOptions Options(Uri? endpoint = null, RetryPolicy? retry = null) => new()
    {
        Bucket = Bucket,
        Endpoint = endpoint ?? Endpoint,
        Region = "us-east-1",
        PathStyle = true,
        AccessKeyId = AccessKey,
        SecretAccessKey = SecretKey,
        Retry = retry ?? RetryPolicy.Default,
    };

    public async Task InitializeAsync()
    {
        string script = FindScript();
        _dir = Directory.CreateTempSubdirectory("chronik-s3rver-").FullName;
        Port = FreePort();
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
        foreach (string a in new[] { "--openssl-legacy-provider", script, "-d", _dir, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", "--configure-bucket", Bucket })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node for s3rver");
        var stderr = _process.StandardError.ReadToEndAsync();
        _ = _process.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"s3rver exited with {_process.ExitCode}: {await stderr}");
            if (await Ready()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"s3rver did not listen on 127.0.0.1:{Port} within 30 s");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a temp directory left behind
        }
    }

    private async Task<bool> Ready()
    {
        // Listening is not enough: the bucket is configured just after; a HEAD on it answers 200 once it exists.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var r = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint, "/")));
            return r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
