using System.Diagnostics.CodeAnalysis;

namespace Chronik.Protocol.Compression;

/// <summary>Compressed data is corrupt, truncated or would expand past the allowed size; maps to CORRUPT_MESSAGE.</summary>
public sealed class CompressionException : Exception
{
    public CompressionException(string message) : base(message) { }
    public CompressionException() { }
    public CompressionException(string message, Exception inner) : base(message, inner) { }

    [DoesNotReturn]
    internal static void Throw(string message) => throw new CompressionException(message);

    [DoesNotReturn]
    internal static void ThrowTooLarge(int max) =>
        throw new CompressionException($"decompressed data exceeds the limit of {max} bytes");
}
