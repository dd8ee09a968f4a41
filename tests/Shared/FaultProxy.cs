using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chronik.Tests.Shared;

/// <summary>
/// A TCP forwarder on a free 127.0.0.1 port, put between an HTTP client and an S3 server to fail on demand:
/// <see cref="FaultMode.Pass"/> forwards bytes both ways; <see cref="FaultMode.SlowDown"/> reads each request and answers
/// S3's "503 SlowDown" (then closes); <see cref="FaultMode.Stall"/> takes connections and answers nothing until the
/// mode changes, then drops them. Switching away from Pass cuts the open connections, so pooled keep-alive connections
/// see the fault too.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _open = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _modeChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile FaultMode _mode;
    private int _faulted;
    private int _stalled;
    private int _forwarded;

    public FaultProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoop();
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public FaultMode Mode => _mode;

    /// <summary>Requests answered with 503 SlowDown.</summary>
    public int FaultedRequests => Volatile.Read(ref _faulted);

    /// <summary>Connections held without an answer.</summary>
    public int StalledConnections => Volatile.Read(ref _stalled);

    /// <summary>Connections forwarded to the server.</summary>
    public int ForwardedConnections => Volatile.Read(ref _forwarded);

    public void SetMode(FaultMode mode)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _mode = mode;
            changed = _modeChanged;
            _modeChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (mode != FaultMode.Pass)
            {
                foreach (var s in _open) Abort(s);
                _open.Clear();
            }
        }
        changed.TrySetResult();
    }

    /// <summary>Fails in <paramref name="mode"/> for <paramref name="duration"/>, then passes again (returns at once).</summary>
    public void FailFor(FaultMode mode, TimeSpan duration)
    {
        SetMode(mode);
        _ = Task.Delay(duration, _stop.Token).ContinueWith(_ => SetMode(FaultMode.Pass), TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        SetMode(FaultMode.Stall); // cuts what is open
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // stopping
        }
        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(Socket client)
    {
        try
        {
            switch (_mode)
            {
                case FaultMode.Pass: await ForwardAsync(client); break;
                case FaultMode.SlowDown: await SlowDownAsync(client); break;
                default: await StallAsync(client); break;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // a cut connection is the point of this class
        }
        finally
        {
            lock (_lock) _open.Remove(client);
            client.Dispose();
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await upstream.ConnectAsync(_upstream, _stop.Token);
        lock (_lock)
        {
            if (_mode != FaultMode.Pass) return;
            _open.Add(client);
            _open.Add(upstream);
        }
        Interlocked.Increment(ref _forwarded);
        try
        {
            var a = PumpAsync(client, upstream);
            var b = PumpAsync(upstream, client);
            await Task.WhenAny(a, b);
            Abort(client);
            Abort(upstream);
            await Task.WhenAll(a.ContinueWith(_ => { }, TaskScheduler.Default), b.ContinueWith(_ => { }, TaskScheduler.Default));
        }
        finally
        {
            lock (_lock) _open.Remove(upstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (n == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }
            int sent = 0;
            while (sent < n) sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, _stop.Token);
        }
    }

    /// <summary>Reads one request (head, then a Content-Length body unless the client waits for 100-continue) and answers 503 SlowDown.</summary>
    private async Task SlowDownAsync(Socket client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        int have = 0, headEnd;
        while ((headEnd = IndexOfHeadEnd(buffer.AsSpan(0, have))) < 0)
        {
            if (have == buffer.Length) return;
            int n = await client.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, timeout.Token);
            if (n == 0) return;
            have += n;
        }
        string head = Encoding.ASCII.GetString(buffer, 0, headEnd);
        long length = 0;
        bool expectContinue = false;
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase)) length = long.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (line.StartsWith("expect:", StringComparison.OrdinalIgnoreCase) && line.Contains("100-continue", StringComparison.OrdinalIgnoreCase)) expectContinue = true;
        }
        if (!expectContinue)
        {
            long left = length - (have - headEnd - 4);
            while (left > 0)
            {
                int n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0) return;
                left -= n;
            }
        }
        Interlocked.Increment(ref _faulted);
        const string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>";
        string response = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nConnection: close\r\n" +
            $"Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\nx-amz-request-id: fault-proxy\r\n\r\n{body}";
        await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, timeout.Token);
        client.Shutdown(SocketShutdown.Send);
        // Let the client read the answer before the socket closes (a close with unread input would reset it).
        try
        {
            while (await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0) { }
        }
        catch (OperationCanceledException)
        {
            // the client kept the connection open; drop it
        }
    }

    /// <summary>Holds the connection, reading and discarding, until the mode changes; then drops it.</summary>
    private async Task StallAsync(Socket client)
    {
        Interlocked.Increment(ref _stalled);
        Task changed;
        lock (_lock) changed = _modeChanged.Task;
        var buffer = new byte[16 * 1024];
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var drain = Task.Run(async () =>
        {
            while (await client.ReceiveAsync(buffer, SocketFlags.None, cut.Token) > 0) { }
        });
        await Task.WhenAny(changed, drain, Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        await cut.CancelAsync();
        Abort(client);
    }

    private static int IndexOfHeadEnd(ReadOnlySpan<byte> b) => b.IndexOf("\r\n\r\n"u8);

    private static void Abort(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);
            s.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }
    }
}

/// <summary>What a <see cref="FaultProxy"/> does with the next request.</summary>
public enum FaultMode { Pass, SlowDown, Stall }
