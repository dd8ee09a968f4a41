using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace Chronik.Tests;

/// <summary>
/// A real, throwaway PostgreSQL for tests: initdb into a temporary directory, pg_ctl start on a free 127.0.0.1 port
/// with its unix socket in that directory, and a stop by the postmaster's PID on dispose. initdb refuses to run as
/// root, so as root the server runs as the "postgres" user (Debian's package creates it) or else "nobody", via
/// runuser, and owns the directory. The binaries come from $CHRONIK_PG_BIN or the newest
/// /usr/lib/postgresql/*/bin (scripts/setup-clients.sh installs Debian's postgresql where it is missing).
/// fsync is off unless started durable (benchmarks): a test database need not survive the machine. One source file, linked into the test projects that need it.
/// </summary>
internal sealed partial class PostgresServer : IDisposable
{
    public const string User = "chronik";
    private const int SIGINT = 2, SIGQUIT = 3, SIGKILL = 9;

    private readonly string _dir;
    private readonly string _bin;
    private readonly string? _runAs;
    private int _databases;
    private bool _durable;
    private bool _disposed;

    private PostgresServer(string dir, string bin, string? runAs)
    {
        _dir = dir;
        _bin = bin;
        _runAs = runAs;
    }

    public int Port { get; private set; }
    public int Pid { get; private set; }
    public string DataDir => Path.Combine(_dir, "data");

    /// <summary>The connection string of the server's "postgres" database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database, Pooling = true, Timeout = 10 }.ConnectionString;

    /// <summary>Where the binaries are, or null when PostgreSQL is not installed.</summary>
    public static string? FindBin()
    {
        if (Environment.GetEnvironmentVariable("CHRONIK_PG_BIN") is { Length: > 0 } bin) return bin;
        if (!Directory.Exists("/usr/lib/postgresql")) return null;
        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out int v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")))
            .OrderByDescending(d => d.Version).Select(d => d.Dir).FirstOrDefault();
    }

    /// <summary>Starts a server; <paramref name="durable"/> keeps PostgreSQL's fsync and full-page writes on (for benchmarks).</summary>
    public static PostgresServer Start(bool durable = false)
    {
        string bin = FindBin() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup-clients.sh or set CHRONIK_PG_BIN");
        string? runAs = geteuid() == 0 ? (UserExists("postgres") ? "postgres" : "nobody") : null;
        string dir = Directory.CreateTempSubdirectory("chronik-pg-").FullName;
        var server = new PostgresServer(dir, bin, runAs) { _durable = durable };
        try
        {
            server.Init();
            server.Launch();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private void Init()
    {
        if (_runAs is not null) Run("/bin/chown", [_runAs, _dir], asUser: false);
        Run(Path.Combine(_bin, "initdb"), ["-D", DataDir, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"], asUser: true);
    }

    /// <summary>Starts on a probed free port; another process may take it first, so a failed start is retried on a new one.</summary>
    private void Launch()
    {
        for (int attempt = 1; ; attempt++)
        {
            Port = FreePort();
            string options = string.Join(' ',
                "-c listen_addresses=127.0.0.1", $"-p {Port}", $"-k {_dir}", _durable ? "-c fsync=on" : "-c fsync=off -c full_page_writes=off",
                "-c max_connections=200", "-c shared_buffers=32MB");
            try
            {
                Run(Path.Combine(_bin, "pg_ctl"), ["start", "-D", DataDir, "-w", "-t", "60", "-s", "-l", Path.Combine(_dir, "server.log"), "-o", options], asUser: true);
                Pid = int.Parse(File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && !File.Exists(Path.Combine(DataDir, "postmaster.pid")))
            {
            }
        }
    }

    /// <summary>Creates a fresh database (named after <paramref name="prefix"/>) and returns its connection string.</summary>
    public string CreateDatabase(string prefix = "test")
    {
        string name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}".ToLowerInvariant();
        name = name[..Math.Min(63, name.Length)];
        using var conn = new NpgsqlConnection(AdminConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        cmd.ExecuteNonQuery();
        return ConnectionString(name);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void Run(string file, string[] args, bool asUser)
    {
        var psi = new ProcessStartInfo(asUser && _runAs is not null ? "/usr/sbin/runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser && _runAs is not null)
        {
            foreach (var a in (string[])["-u", _runAs, "--", file]) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        // pg_ctl leaves the postmaster holding inherited pipes: read to the end only after the exit, with a bound.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill();
            throw new InvalidOperationException($"{Path.GetFileName(file)} did not finish in 90 s");
        }
        if (p.ExitCode != 0)
        {
            Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(2));
            string log = Path.Combine(_dir, "server.log");
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} exited {p.ExitCode}: {(stderr.IsCompleted ? stderr.Result : "")}{(stdout.IsCompleted ? stdout.Result : "")}" +
                (File.Exists(log) ? "\n" + File.ReadAllText(log) : ""));
        }
    }

    private static bool UserExists(string name) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));

    /// <summary>Whether the postmaster is gone: no such process, or a zombie nobody has reaped yet.</summary>
    private bool Exited()
    {
        if (kill(Pid, 0) != 0) return true;
        try
        {
            string stat = File.ReadAllText($"/proc/{Pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Fast shutdown (SIGINT) of our postmaster by PID, escalating to SIGQUIT and SIGKILL, each bounded; then the directory goes.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Pid > 0)
        {
            foreach (var (signal, waitMs) in new[] { (SIGINT, 10_000), (SIGQUIT, 5_000), (SIGKILL, 5_000) })
            {
                if (Exited()) break;
                kill(Pid, signal);
                var sw = Stopwatch.StartNew();
                while (!Exited() && sw.ElapsedMilliseconds < waitMs) Thread.Sleep(20);
            }
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
