using System.Buffers;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Compaction;

/// <summary>Walks the whole batches of a segment in order through a 1 MiB read-ahead window (one pread per window).</summary>
internal sealed class BatchScanner : IDisposable
{
    private const int Window = 1 << 20;

    private readonly SegmentReader _reader;
    private readonly long _size;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Window);
    private long _bufferStart;
    private int _bufferLength;
    private long _position;

    public BatchScanner(SegmentReader reader)
    {
        _reader = reader;
        _size = reader.Size;
    }

    /// <summary>The next batch's bytes, valid until the next call; false at the end (or at a torn tail, which a segment below the recovery point never has).</summary>
    public bool Next(out ReadOnlySpan<byte> batch)
    {
        batch = default;
        if (_size - _position < RecordBatchHeader.Size) return false;
        var peek = BatchPeek.Read(Slice(_position, BatchPeek.Size));
        if (!peek.IsSane(_size - _position)) return false;
        batch = Slice(_position, peek.TotalSize);
        _position += peek.TotalSize;
        return true;
    }

    private ReadOnlySpan<byte> Slice(long position, int length)
    {
        if (position < _bufferStart || position + length > _bufferStart + _bufferLength)
        {
            if (length > _buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(length);
            }
            _bufferStart = position;
            _bufferLength = _reader.ReadAt(position, _buffer);
            if (_bufferLength < length) throw new IOException($"short read of a segment at position {position}");
        }
        return _buffer.AsSpan((int)(position - _bufferStart), length);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
