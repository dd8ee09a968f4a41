using System.Diagnostics.CodeAnalysis;

namespace Chronik.Protocol.Records;

/// <summary>Records inside a batch cannot be decoded (bad lengths, varints or counts); maps to CORRUPT_MESSAGE.</summary>
public sealed class CorruptRecordException : Exception
{
    public CorruptRecordException(string message) : base(message) { }
    public CorruptRecordException() { }
    public CorruptRecordException(string message, Exception inner) : base(message, inner) { }

    [DoesNotReturn]
    internal static void Throw(string message) => throw new CorruptRecordException(message);
}
