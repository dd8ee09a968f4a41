using System.Buffers;

namespace Chronik.Protocol.Wire;

/// <summary>A generated message or header: reads, writes and sizes itself for any version its schema lists.</summary>
public interface IKafkaMessage
{
    /// <summary>The API key, or -1 for headers and non-API messages.</summary>
    short ApiKey { get; }
    short LowestSupportedVersion { get; }
    short HighestSupportedVersion { get; }
    void Read(ref KafkaReader reader, short version);
    void Write(ref KafkaWriter writer, short version);
    int ComputeSize(short version);
}

/// <summary>Convenience encoders for generated messages.</summary>
public static class KafkaMessageExtensions
{
    /// <summary>Writes the message into an <see cref="IBufferWriter{T}"/> with one GetSpan of exactly its size.</summary>
    public static int WriteTo(this IKafkaMessage message, IBufferWriter<byte> output, short version)
    {
        int size = message.ComputeSize(version);
        var w = new KafkaWriter(output.GetSpan(size)[..size]);
        message.Write(ref w, version);
        output.Advance(size);
        return size;
    }

    public static byte[] ToBytes(this IKafkaMessage message, short version)
    {
        var buffer = new byte[message.ComputeSize(version)];
        var w = new KafkaWriter(buffer);
        message.Write(ref w, version);
        if (w.Position != buffer.Length) throw new InvalidOperationException($"{message.GetType().Name} v{version}: wrote {w.Position} bytes, computed {buffer.Length}");
        return buffer;
    }

    public static T ReadFrom<T>(this T message, ReadOnlyMemory<byte> bytes, short version) where T : IKafkaMessage
    {
        var r = new KafkaReader(bytes);
        message.Read(ref r, version);
        return message;
    }
}

/// <summary>A response with a top-level throttle_time_ms field (set by the generator for every such schema).</summary>
public interface IThrottledResponse
{
    int ThrottleTimeMs { get; set; }
}
