using System.Diagnostics.CodeAnalysis;

namespace Chronik.Protocol.Wire;

/// <summary>A frame or field that cannot be parsed: the connection that sent it is closed.</summary>
public sealed class KafkaProtocolException : Exception
{
    public KafkaProtocolException(string message) : base(message) { }
    public KafkaProtocolException() { }
    public KafkaProtocolException(string message, Exception inner) : base(message, inner) { }

    [DoesNotReturn]
    public static void Throw(string message) => throw new KafkaProtocolException(message);

    [DoesNotReturn]
    public static void ThrowTruncated() => throw new KafkaProtocolException("message truncated");
}

/// <summary>A message cannot be written at the requested version without losing a non-ignorable field.</summary>
public sealed class UnsupportedVersionException : Exception
{
    public UnsupportedVersionException(string message) : base(message) { }
    public UnsupportedVersionException() { }
    public UnsupportedVersionException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A tagged field this code does not know, kept as raw bytes to be written back unchanged.</summary>
public readonly record struct RawTaggedField(int Tag, byte[] Data);
