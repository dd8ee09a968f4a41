using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Fuzz;

/// <summary>
/// Health probes that must all be answered while the fuzzer runs: ApiVersions then Metadata on a fresh connection,
/// and the broker's HTTP /health. On a SASL listener (<paramref name="plain"/> given) the probe authenticates with
/// SASL/PLAIN between the two, as a client must.
/// </summary>
internal sealed class Probes(IPEndPoint broker, Uri? health, TimeSpan timeout, (string User, string Password)? plain = null) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = timeout };
    private long _answered, _failed;
    private readonly List<string> _failures = [];

    public long Answered => Interlocked.Read(ref _answered);
    public long Failed => Interlocked.Read(ref _failed);
    public IReadOnlyList<string> Failures { get { lock (_failures) return [.. _failures]; } }

    public async Task RunAsync(TimeSpan every, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await ProbeOnceAsync().ConfigureAwait(false);
            try { await Task.Delay(every, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
        }
    }

    public async Task ProbeOnceAsync()
    {
        await Record("kafka", KafkaAsync).ConfigureAwait(false);
        if (health is not null) await Record("health", HealthAsync).ConfigureAwait(false);
    }

    private async Task Record(string what, Func<CancellationToken, Task> probe)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await probe(cts.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _answered);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _failed);
            lock (_failures) if (_failures.Count < 20) _failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {what}: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task HealthAsync(CancellationToken ct)
    {
        using var response = await _http.GetAsync(health, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private async Task KafkaAsync(CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(broker, ct).ConfigureAwait(false);
        var versions = await CallAsync(socket, new ApiVersionsRequest { ClientSoftwareName = "chronik-fuzz", ClientSoftwareVersion = "1" }, 3, 1, ct).ConfigureAwait(false);
        var v = new ApiVersionsResponse();
        var r = new KafkaReader(versions);
        v.Read(ref r, 3);
        if (v.ErrorCode != 0) throw new InvalidDataException($"ApiVersions error {v.ErrorCode}");
        if (plain is { } credentials) await AuthenticateAsync(socket, credentials.User, credentials.Password, ct).ConfigureAwait(false);
        var metadata = await CallAsync(socket, new MetadataRequest { Topics = null }, 12, 2, ct).ConfigureAwait(false);
        var m = new MetadataResponse();
        r = new KafkaReader(metadata);
        m.Read(ref r, 12);
        if (m.Brokers.Count == 0) throw new InvalidDataException("Metadata names no broker");
    }

    private static async Task AuthenticateAsync(Socket socket, string user, string password, CancellationToken ct)
    {
        var body = await CallAsync(socket, new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1, 3, ct).ConfigureAwait(false);
        var handshake = new SaslHandshakeResponse();
        var r = new KafkaReader(body);
        handshake.Read(ref r, 1);
        if (handshake.ErrorCode != 0) throw new InvalidDataException($"SaslHandshake error {handshake.ErrorCode}");
        byte[] token = System.Text.Encoding.UTF8.GetBytes($"\0{user}\0{password}");
        body = await CallAsync(socket, new SaslAuthenticateRequest { AuthBytes = token }, 2, 4, ct).ConfigureAwait(false);
        var auth = new SaslAuthenticateResponse();
        r = new KafkaReader(body);
        auth.Read(ref r, 2);
        if (auth.ErrorCode != 0) throw new InvalidDataException($"SaslAuthenticate error {auth.ErrorCode}: {auth.ErrorMessage}");
    }

    /// <summary>The advertised (api, version range) list, read with ApiVersions v0.</summary>
    public async Task<List<ApiRange>> ApiRangesAsync(CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(broker, ct).ConfigureAwait(false);
        var body = await CallAsync(socket, new ApiVersionsRequest(), 0, 1, ct).ConfigureAwait(false);
        var v = new ApiVersionsResponse();
        var r = new KafkaReader(body);
        v.Read(ref r, 0);
        return [.. v.ApiKeys.Select(k => new ApiRange(k.ApiKey, k.MinVersion, k.MaxVersion))];
    }

    // Sends one request and returns its response body (after the v0 header: ApiVersions answers with header v0).
    private static async Task<byte[]> CallAsync(Socket socket, IKafkaMessage request, short version, int correlation, CancellationToken ct)
    {
        byte[] header = RandomFrames.Header(request.ApiKey, version, correlation, "chronik-fuzz-probe");
        byte[] body = request.ToBytes(version);
        var frame = new byte[4 + header.Length + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, header.Length + body.Length);
        header.CopyTo(frame, 4);
        body.CopyTo(frame, 4 + header.Length);
        await socket.SendAsync(frame, SocketFlags.None, ct).ConfigureAwait(false);
        var size = new byte[4];
        await ReceiveExactlyAsync(socket, size, ct).ConfigureAwait(false);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await ReceiveExactlyAsync(socket, response, ct).ConfigureAwait(false);
        if (BinaryPrimitives.ReadInt32BigEndian(response) != correlation) throw new InvalidDataException("wrong correlation id");
        int skip = 4 + (ApiKeys.ResponseHeaderVersion(request.ApiKey, version) >= 1 ? 1 : 0);
        return response[skip..];
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0) throw new IOException("connection closed");
            read += n;
        }
    }

    public void Dispose() => _http.Dispose();
}
