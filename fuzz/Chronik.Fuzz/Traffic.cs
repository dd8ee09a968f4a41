using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Chronik.Fuzz;

/// <summary>What the fuzzing connections did.</summary>
internal sealed class TrafficStats
{
    private long _frames, _bytes, _connections, _responses, _refused, _slowCloses;

    public long Frames => Interlocked.Read(ref _frames);
    public long Bytes => Interlocked.Read(ref _bytes);
    public long Connections => Interlocked.Read(ref _connections);
    public long Responses => Interlocked.Read(ref _responses);
    /// <summary>Connections the broker refused or reset before a byte was sent.</summary>
    public long Refused => Interlocked.Read(ref _refused);
    /// <summary>Connections the broker kept open for the whole close timeout (2 s) after the client's FIN (a JoinGroup waiting for its rebalance, say); they are reset.</summary>
    public long SlowCloses => Interlocked.Read(ref _slowCloses);

    public void Sent(int frames, long bytes)
    {
        Interlocked.Add(ref _frames, frames);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _connections);
    }

    /// <summary>Connections that took over a second to close, by the api keys of their frames (what held them).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<short, int> SlowByApi { get; } = new();

    public void Slow(IReadOnlyList<byte[]> frames)
    {
        foreach (var f in frames) if (f.Length >= 2) SlowByApi.AddOrUpdate(BinaryPrimitives.ReadInt16BigEndian(f), 1, (_, n) => n + 1);
    }

    public void Answered(int responses) => Interlocked.Add(ref _responses, responses);
    public void RefusedOne() => Interlocked.Increment(ref _refused);
    public void SlowClose() => Interlocked.Increment(ref _slowCloses);
}

/// <summary>
/// One fuzzing connection: writes a batch of frames in one go (pipelined, each with a consistent size prefix), half
/// closes, and reads (discarding) until the broker closes. The broker stops at the first frame it rejects; the rest
/// of the batch is never read, which is fine: the next connection carries on.
/// </summary>
internal static class Traffic
{
    public static async Task SendBatchAsync(IPEndPoint broker, IReadOnlyList<byte[]> frames, TrafficStats stats, TimeSpan closeTimeout, CancellationToken ct)
    {
        long total = 0;
        foreach (var f in frames) total += 4 + f.Length;
        var payload = new byte[total];
        int pos = 0;
        foreach (var f in frames)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(pos), f.Length);
            f.CopyTo(payload, pos + 4);
            pos += 4 + f.Length;
        }
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(broker, ct).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            stats.RefusedOne();
            return;
        }
        stats.Sent(frames.Count, total);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(closeTimeout);
        // Reading runs beside writing: a broker answering while we still write must not fill its send buffer and stall.
        var drain = DrainAsync(socket, stats, timeout.Token);
        try
        {
            await socket.SendAsync(payload, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The broker closed the connection at a frame it rejected.
        }
        if (!await drain.ConfigureAwait(false) && !ct.IsCancellationRequested) stats.SlowClose();
        if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(1)) stats.Slow(frames);
        // An abortive close (RST) frees the broker's side at once, without TIME_WAIT piling up here.
        socket.LingerState = new LingerOption(true, 0);
    }

    // True when the broker closed the connection (or reset it) before the timeout.
    private static async Task<bool> DrainAsync(Socket socket, TrafficStats stats, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int responses = 0;
        long need = 4, have = 0; // counts response frames as they pass
        bool inSize = true;
        var size = new byte[4];
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) return true;
                int i = 0;
                while (i < n)
                {
                    int take = (int)Math.Min(n - i, need - have);
                    if (inSize) buffer.AsSpan(i, take).CopyTo(size.AsSpan((int)have));
                    have += take;
                    i += take;
                    if (have < need) continue;
                    if (inSize)
                    {
                        need = Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(size));
                        inSize = false;
                    }
                    else
                    {
                        responses++;
                        need = 4;
                        inSize = true;
                    }
                    have = 0;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
        finally
        {
            stats.Answered(responses);
        }
    }
}
