using System.Buffers.Binary;

namespace Chronik.Protocol.Records;

/// <summary>One whole v2 batch found by <see cref="RecordBatchEnumerator"/>: where it starts, its header and its bytes.</summary>
public readonly ref struct RecordBatchEntry
{
    internal RecordBatchEntry(int position, RecordBatchHeader header, ReadOnlySpan<byte> bytes)
    {
        Position = position;
        Header = header;
        Bytes = bytes;
    }

    /// <summary>Offset of the batch's first byte in the enumerated buffer.</summary>
    public int Position { get; }
    public RecordBatchHeader Header { get; }
    public ReadOnlySpan<byte> Bytes { get; }

    public void Deconstruct(out int position, out RecordBatchHeader header)
    {
        position = Position;
        header = Header;
    }
}

/// <summary>Walks the v2 batches concatenated in a buffer by their length fields only (no CRC); stops at a partial or non-v2 batch. For untrusted input validate first.</summary>
public ref struct RecordBatchEnumerator
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _pos;
    private RecordBatchEntry _current;

    public RecordBatchEnumerator(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _pos = 0;
        _current = default;
    }

    public readonly RecordBatchEntry Current => _current;
    public readonly RecordBatchEnumerator GetEnumerator() => this;
    /// <summary>Bytes after the last whole batch returned so far (a partial batch at the end of a fetch, or an unreadable one).</summary>
    public readonly int RemainingBytes => _buffer.Length - _pos;
    /// <summary>Offset just past the last batch returned.</summary>
    public readonly int Position => _pos;

    public bool MoveNext()
    {
        var rest = _buffer[_pos..];
        if (rest.Length < RecordBatchHeader.Size || rest[RecordBatchHeader.MagicOffset] != 2) return false;
        int batchLength = BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatchHeader.BatchLengthOffset..]);
        if (batchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead
            || batchLength > rest.Length - RecordBatchHeader.LogOverhead) return false;
        int size = RecordBatchHeader.LogOverhead + batchLength;
        _current = new RecordBatchEntry(_pos, RecordBatchHeader.Read(rest), rest[..size]);
        _pos += size;
        return true;
    }
}
