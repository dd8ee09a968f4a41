using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chronik.Cluster.Tests.Commit;

/// <summary>
/// A TCP forwarder to PostgreSQL on a free 127.0.0.1 port that can lose a commit's answer: once armed, it forwards
/// the client's bytes that carry a COMMIT statement, waits for the server to have executed it, and then cuts the
/// connection without relaying the reply (the outcome the client sees is unknown, the commit happened). It can
/// also refuse every connection (a database that is gone).
/// </summary>
internal sealed class PostgresCutProxy : IAsyncDisposable
{
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private int _armed;
    private int _cuts;
    private volatile bool _refuse;

    public PostgresCutProxy(int upstreamPort)
    {
        _upstream = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = AcceptLoop();
    }

    public int Port { get; }

    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>The next COMMIT that passes is executed by the server, and its connection is cut before the answer.</summary>
    public void CutAfterNextCommit() => Volatile.Write(ref _armed, 1);

    /// <summary>From now on, connections are closed as soon as they are accepted.</summary>
    public void RefuseAll() => _refuse = true;

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_refuse)
            {
                client.Dispose();
                continue;
            }
            _ = Serve(client);
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var c = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _upstream, _stop.Token);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var connection = new Connection(cut);
            var up = PumpUp(c.GetStream(), server.GetStream(), connection);
            var down = PumpDown(server.GetStream(), c.GetStream(), connection);
            await Task.WhenAny(up, down);
            await cut.CancelAsync();
        }
        catch (Exception)
        {
            // A cut or a closed peer ends the connection; nothing to report.
        }
    }

    private sealed class Connection(CancellationTokenSource cut)
    {
        public CancellationTokenSource Cut { get; } = cut;
        public volatile bool Holding;
    }

    private async Task PumpUp(NetworkStream from, NetworkStream to, Connection connection)
    {
        var buffer = new byte[64 * 1024];
        var tail = new List<byte>();
        var ct = connection.Cut.Token;
        while (true)
        {
            int n = await from.ReadAsync(buffer, ct);
            if (n == 0) return;
            bool cutThis = false;
            if (Volatile.Read(ref _armed) == 1)
            {
                tail.AddRange(buffer.AsSpan(0, n).ToArray());
                if (tail.Count > 1 << 20) tail.RemoveRange(0, tail.Count - 16);
                if (tail.ToArray().AsSpan().IndexOf(Commit) >= 0 && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    connection.Holding = true; // nothing the server answers from here on reaches the client
                    cutThis = true;
                }
            }
            await to.WriteAsync(buffer.AsMemory(0, n), ct);
            if (!cutThis) continue;
            // Give the server time to execute the COMMIT (it is durable before the reply), then cut both ways.
            await Task.Delay(300, CancellationToken.None);
            Interlocked.Increment(ref _cuts);
            await connection.Cut.CancelAsync();
            return;
        }
    }

    private static async Task PumpDown(NetworkStream from, NetworkStream to, Connection connection)
    {
        var buffer = new byte[64 * 1024];
        var ct = connection.Cut.Token;
        while (true)
        {
            int n = await from.ReadAsync(buffer, ct);
            if (n == 0) return;
            if (connection.Holding) continue;
            await to.WriteAsync(buffer.AsMemory(0, n), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
