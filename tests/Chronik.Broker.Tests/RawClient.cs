using System.Buffers.Binary;
using System.Net.Sockets;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Tests;

/// <summary>A minimal Kafka client over a raw socket: frames generated requests and reads raw response frames.</summary>
public sealed class RawClient : IDisposable
{
    private readonly TcpClient _tcp = new();
    private readonly NetworkStream _stream;
    private int _correlation;

    public RawClient(int port)
    {
        _tcp.Connect("127.0.0.1", port);
        _tcp.ReceiveTimeout = 10_000;
        _stream = _tcp.GetStream();
    }

    public int Send(IKafkaMessage request, short version, string? clientId = "raw-test")
    {
        int correlation = ++_correlation;
        var header = new RequestHeader { RequestApiKey = request.ApiKey, RequestApiVersion = version, CorrelationId = correlation, ClientId = clientId };
        short hv = ApiKeys.RequestHeaderVersion(request.ApiKey, version);
        byte[] h = header.ToBytes(hv);
        byte[] b = request.ToBytes(version);
        SendRaw([.. h, .. b]);
        return correlation;
    }

    public void SendRaw(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        _stream.Write(frame);
    }

    /// <summary>Reads one response frame; null when the broker closed the connection.</summary>
    public byte[]? ReadFrame()
    {
        var size = new byte[4];
        if (!ReadExactly(size)) return null;
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        return ReadExactly(body) ? body : null;
    }

    /// <summary>Reads a response, checks its correlation id, and decodes the body.</summary>
    public T Receive<T>(int correlation, short version, short headerVersion) where T : IKafkaMessage, new()
    {
        var frame = ReadFrame() ?? throw new IOException("connection closed");
        var r = new KafkaReader(frame);
        int got = r.ReadInt32();
        if (got != correlation) throw new InvalidDataException($"correlation {got}, expected {correlation}");
        if (headerVersion >= 1) r.ReadUnsignedVarInt();
        var msg = new T();
        msg.Read(ref r, version);
        return msg;
    }

    private bool ReadExactly(byte[] buffer)
    {
        int read = 0;
        try
        {
            while (read < buffer.Length)
            {
                int n = _stream.Read(buffer, read, buffer.Length - read);
                if (n == 0) return false;
                read += n;
            }
        }
        catch (IOException)
        {
            return false;
        }
        return true;
    }

    /// <summary>Closes abortively: the peer sees a reset (RST) instead of an orderly end of stream.</summary>
    public void Reset()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Dispose();
    }

    public void Dispose() => _tcp.Dispose();
}
