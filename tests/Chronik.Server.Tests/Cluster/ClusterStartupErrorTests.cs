namespace Chronik.Server.Tests.Cluster;

/// <summary>Cluster mode refuses to start on a bad or unreachable URL, with one line that says which and why.</summary>
public sealed class ClusterStartupErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-cluster-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Code, string Stderr)> RunAsync(params string[] args)
    {
        using var p = ServerProcess.Start(["--bind", "127.0.0.1", $"--kafka-port={ServerProcess.FreePort()}", "--metrics-port", $"{ServerProcess.FreePort()}",
            "--data-dir", Path.Combine(_dir, "data"), .. args]);
        var (code, _, stderr) = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, stderr);
    }

    private static string Unreachable => $"postgresql://chronik@127.0.0.1:{ServerProcess.FreePort()}/chronik";

    [Theory]
    [InlineData("s3://Bad_Bucket", "invalid --object-store: bad object store URL 's3://Bad_Bucket': 'Bad_Bucket' is not a bucket name")]
    [InlineData("ftp://host/x", "invalid --object-store: bad object store URL 'ftp://host/x': unknown scheme 'ftp'")]
    [InlineData("file://relative", "invalid --object-store: bad object store URL 'file://relative': a file URL names no host")]
    public async Task A_bad_object_store_url_is_an_invalid_configuration(string objectStore, string message)
    {
        var (code, stderr) = await RunAsync("--metadata-url", Unreachable, "--object-store", objectStore);
        Assert.Equal(Program.InvalidConfigurationExitCode, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_store_that_cannot_be_opened_fails_start_before_the_database_is_touched()
    {
        var (code, stderr) = await RunAsync("--metadata-url", Unreachable, "--object-store", "file:///dev/null/objects");
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("chronik-server: cannot start: cannot open the object store file:///dev/null/objects", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_fails_start_naming_it()
    {
        string url = Unreachable;
        var (code, stderr) = await RunAsync("--metadata-url", url, "--object-store", "file://" + Path.Combine(_dir, "objects"));
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"chronik-server: cannot start: cannot open the metadata database {url}", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--metadata-url", "mysql://u@h/db", "invalid --metadata-url: bad metadata URL 'mysql://u@h/db': expected postgresql://USER@HOST:PORT/DB")]
    [InlineData("--metadata-url", "postgresql://u@h:5432/", "it names no database")]
    [InlineData("--metadata-url", "postgresql://u@h:5432/db", "--metadata-url (metadata.url) needs --object-store")]
    [InlineData("--object-store", "file:///tmp/x", "--object-store (object.store.url) needs --metadata-url")]
    public async Task Cluster_flags_are_checked_together(string flag, string value, string message)
    {
        var (code, stderr) = await RunAsync(flag, value);
        Assert.Equal(Program.InvalidConfigurationExitCode, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
