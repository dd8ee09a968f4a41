using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Chronik.Fuzz;

/// <summary>
/// Listens on 127.0.0.1, forwards every connection to the broker and appends every client→broker frame to a raw
/// corpus file. It rewrites nothing, so the broker must advertise the proxy's port (<c>--advertised-port</c>), or
/// clients would leave it after their first Metadata (capture.sh does this).
/// </summary>
internal sealed class RecordingProxy(IPEndPoint listen, IPEndPoint upstream, string outputPath)
{
    private readonly Lock _fileLock = new();

    public async Task RunAsync(CancellationToken ct)
    {
        using var file = new FileStream(outputPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        var listener = new TcpListener(listen);
        listener.Start();
        Console.WriteLine($"recording proxy on {listener.LocalEndpoint} -> {upstream}, frames to {outputPath}");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
                _ = Task.Run(() => ServeAsync(client, file, ct), ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task ServeAsync(TcpClient client, FileStream file, CancellationToken ct)
    {
        using var c = client;
        using var broker = new TcpClient();
        try
        {
            await broker.ConnectAsync(upstream, ct).ConfigureAwait(false);
            var down = broker.GetStream().CopyToAsync(c.GetStream(), ct);
            var up = CopyFramesAsync(c.GetStream(), broker.GetStream(), file, ct);
            await Task.WhenAny(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
    }

    // Copies client bytes upstream as they come, and cuts them into frames on the side.
    private async Task CopyFramesAsync(Stream from, Stream to, FileStream file, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        while (true)
        {
            int n = await from.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0) return;
            await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            pending.Write(buffer, 0, n);
            var bytes = pending.GetBuffer().AsSpan(0, (int)pending.Length);
            int pos = 0;
            while (bytes.Length - pos >= 4)
            {
                int size = BinaryPrimitives.ReadInt32BigEndian(bytes[pos..]);
                if (size < 0 || bytes.Length - pos - 4 < size) break;
                lock (_fileLock)
                {
                    Corpus.Append(file, bytes.Slice(pos + 4, size));
                    file.Flush();
                }
                pos += 4 + size;
            }
            var rest = bytes[pos..].ToArray();
            pending.SetLength(0);
            pending.Write(rest);
        }
    }
}
