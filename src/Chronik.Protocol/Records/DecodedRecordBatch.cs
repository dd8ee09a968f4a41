using Chronik.Protocol.Compression;

namespace Chronik.Protocol.Records;

/// <summary>One v2 batch opened for reading its records: the header plus the records section, decompressed into a pooled buffer when needed. Dispose to return the buffer.</summary>
public ref struct DecodedRecordBatch
{
    private PooledBufferWriter? _pooled;

    private DecodedRecordBatch(RecordBatchHeader header, ReadOnlySpan<byte> records, PooledBufferWriter? pooled)
    {
        Header = header;
        Records = records;
        _pooled = pooled;
    }

    public RecordBatchHeader Header { get; }
    /// <summary>The uncompressed records section; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Records { get; }

    /// <summary>Opens a batch (exactly one, as returned by <see cref="RecordBatchEnumerator"/>). Does not check the CRC: run <see cref="RecordBatchValidator"/> first on untrusted input.</summary>
    public static DecodedRecordBatch Open(ReadOnlySpan<byte> batch, int maxDecompressedSize = CompressionCodecs.DefaultMaxDecompressedSize)
    {
        if (batch.Length < RecordBatchHeader.Size) CorruptRecordException.Throw("batch shorter than its header");
        if (batch[RecordBatchHeader.MagicOffset] != 2) CorruptRecordException.Throw($"unsupported magic {batch[RecordBatchHeader.MagicOffset]}");
        var header = RecordBatchHeader.Read(batch);
        // Compared without adding the log overhead: a batchLength near int.MaxValue would overflow TotalSize.
        if (header.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || header.BatchLength > batch.Length - RecordBatchHeader.LogOverhead)
            CorruptRecordException.Throw($"batch length {header.BatchLength} out of range");
        var body = batch[RecordBatchHeader.Size..header.TotalSize];
        if (header.Compression == CompressionType.None) return new DecodedRecordBatch(header, body, null);

        var pooled = new PooledBufferWriter(Math.Min(Math.Max(body.Length * 4, 4096), maxDecompressedSize + 1));
        try
        {
            CompressionCodecs.Decompress(header.Compression, body, pooled, maxDecompressedSize);
        }
        catch
        {
            pooled.Dispose();
            throw;
        }
        return new DecodedRecordBatch(header, pooled.WrittenSpan, pooled);
    }

    public readonly RecordReader GetEnumerator() => new(Records, Header.RecordCount);

    public void Dispose()
    {
        _pooled?.Dispose();
        _pooled = null;
    }
}
