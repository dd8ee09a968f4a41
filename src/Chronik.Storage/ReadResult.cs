using System.Buffers;

namespace Chronik.Storage;

/// <summary>
/// Whole record batches read from a partition, in a pooled buffer that returns to the pool on Dispose.
/// Keep it until the bytes are written to the socket; disposing twice is harmless.
/// </summary>
public readonly struct ReadResult : IDisposable
{
    private readonly PooledBuffer? _lease;

    internal ReadResult(LogError error, PooledBuffer? lease, int length, long highWatermark, long logStartOffset, long logEndOffset)
    {
        Error = error;
        _lease = lease;
        Length = length;
        HighWatermark = highWatermark;
        LogStartOffset = logStartOffset;
        LogEndOffset = logEndOffset;
    }

    public LogError Error { get; }
    public int Length { get; }
    public long HighWatermark { get; }
    public long LogStartOffset { get; }
    public long LogEndOffset { get; }

    /// <summary>The batches; empty (never null) when nothing was available. Invalid after Dispose.</summary>
    public ReadOnlyMemory<byte> Records => _lease is null ? ReadOnlyMemory<byte>.Empty : _lease.Memory[..Length];

    internal static ReadResult OutOfRange(long hw, long lso, long leo) => new(LogError.OffsetOutOfRange, null, 0, hw, lso, leo);
    internal static ReadResult Failed(LogError error, long hw, long lso, long leo) => new(error, null, 0, hw, lso, leo);
    internal static ReadResult Empty(long hw, long lso, long leo) => new(LogError.None, null, 0, hw, lso, leo);

    public void Dispose() => _lease?.Dispose();
}

/// <summary>An ArrayPool rental that is returned exactly once however often it is disposed.</summary>
internal sealed class PooledBuffer : IMemoryOwner<byte>
{
    private byte[]? _array;

    public PooledBuffer(int minimumLength) => _array = ArrayPool<byte>.Shared.Rent(Math.Max(minimumLength, 1));

    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBuffer));
    public Memory<byte> Memory => Array;

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) ArrayPool<byte>.Shared.Return(array);
    }
}
