using System.Buffers;
using System.Buffers.Binary;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Network;

/// <summary>Splits a byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.</summary>
public static class FrameReader
{
    /// <summary>The size of the next frame once its 4-byte prefix is buffered (already checked by <see cref="TryReadFrame"/>).</summary>
    public static int? PeekSize(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 4) return null;
        Span<byte> sizeBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(sizeBytes);
        return BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
    }

    /// <summary>True when a whole frame is buffered; <paramref name="frame"/> excludes the size prefix.</summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < 4) return false;
        Span<byte> sizeBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(sizeBytes);
        int size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        // A request needs at least api key, version and correlation id (8 bytes).
        if (size < 8) KafkaProtocolException.Throw($"invalid frame size {size}");
        if (size > maxFrameBytes) KafkaProtocolException.Throw($"frame of {size} bytes exceeds socket.request.max.bytes ({maxFrameBytes})");
        if (buffer.Length < 4L + size) return false;
        frame = buffer.Slice(4, size);
        buffer = buffer.Slice(frame.End);
        return true;
    }
}
