using System.Buffers;
using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Disk;

/// <summary>Start-up recovery of a segment: trust what is below the recovery point, verify the rest.</summary>
internal sealed partial class LogSegment
{
    private const int ScanChunk = 1 << 20;
    private const short ControlBit = 0x20;

    /// <summary>Whether <see cref="RecoverFrom"/> verified a control batch (a transaction marker) past the recovery point.</summary>
    public bool RecoveredControlBatch { get; private set; }

    /// <summary>
    /// For a segment wholly below the recovery point: its bytes are trusted, so only rebuild the indexes
    /// (a header walk, no CRC) when they were missing or damaged.
    /// </summary>
    public void LoadTrusted(long nextSegmentBase, StorageStats stats)
    {
        bool indexesUsable = Index.LoadedIntact && TimeIndex.LoadedIntact && (TimeIndex.Count > 0 || Size == 0);
        if (!indexesUsable)
        {
            Index.TruncateFrom(long.MinValue);
            TimeIndex.Clear();
            RecoverFrom(long.MaxValue, stats);
            SealTimeIndex();
            Volatile.Write(ref _nextOffset, Math.Max(NextOffset, nextSegmentBase));
            FlushIndexes(); // write the rebuilt indexes now, as a trusted segment's are never checkpointed again
            return;
        }
        (MaxTimestamp, OffsetOfMaxTimestamp) = TimeIndex.Last;
        Volatile.Write(ref _nextOffset, nextSegmentBase);
        _flushedSize = Size;
        // Loaded again by the first lookup that needs them; most old segments are never read after a restart.
        MarkSealed();
        DropIndexesIfIdle();
    }

    /// <summary>
    /// A sealed segment whose index files were lost or damaged after start-up: rebuilds them by a header walk of
    /// the (trusted) log bytes below <paramref name="size"/> and writes them out.
    /// </summary>
    private Indexes RebuildIndexes(long size)
    {
        var rebuilt = new Indexes(OffsetIndex.CreateEmpty(IndexPath, BaseOffset), TimeIndex.CreateEmpty(TimeIndexPath, BaseOffset));
        long maxTimestamp = -1, offsetOfMax = -1;
        int bytesSinceIndex = 0;
        Span<byte> header = stackalloc byte[BatchPeek.Size];
        using (var lease = _log.Acquire())
        {
            for (long position = 0; position + BatchPeek.Size <= size;)
            {
                if (RandomAccess.Read(lease.Handle, header, position) < header.Length) break;
                var peek = BatchPeek.Read(header);
                if (peek.MaxTimestamp > maxTimestamp) (maxTimestamp, offsetOfMax) = (peek.MaxTimestamp, peek.BaseOffset);
                if (bytesSinceIndex >= _indexInterval && peek.BaseOffset > rebuilt.Offsets.LastOffset)
                {
                    rebuilt.Offsets.Append(peek.BaseOffset, checked((int)position));
                    if (maxTimestamp >= 0) rebuilt.Times.MaybeAppend(maxTimestamp, offsetOfMax);
                    bytesSinceIndex = 0;
                }
                bytesSinceIndex += peek.TotalSize;
                position += peek.TotalSize;
            }
        }
        if (maxTimestamp >= 0) rebuilt.Times.MaybeAppend(maxTimestamp, offsetOfMax);
        rebuilt.Offsets.Flush();
        rebuilt.Times.Flush();
        return rebuilt;
    }

    /// <summary>
    /// Walks batches from the index entry at or below <paramref name="recoveryPoint"/>: headers only up to
    /// it, full validation (framing, magic, increasing offsets, CRC-32C) after it. Cuts the file at the
    /// first bad batch and rebuilds index entries for the walked region. Returns true if bytes were cut.
    /// </summary>
    public bool RecoverFrom(long recoveryPoint, StorageStats stats)
    {
        Index.TruncateFrom(recoveryPoint);
        TimeIndex.TruncateFrom(recoveryPoint);
        (MaxTimestamp, OffsetOfMaxTimestamp) = TimeIndex.Last;
        var (expected, position) = Index.Floor(recoveryPoint);
        _bytesSinceIndex = 0;
        using var lease = _log.Acquire();
        var log = lease.Handle;
        long fileLength = RandomAccess.GetLength(log);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ScanChunk);
        long bufferStart = 0;
        int bufferLength = 0;
        try
        {
            while (fileLength - position >= RecordBatchHeader.Size)
            {
                var header = Window(position, RecordBatchHeader.Size);
                var peek = BatchPeek.Read(header);
                // Offsets increase, with gaps where the log cleaner removed batches.
                if (!peek.IsSane(fileLength - position) || peek.BaseOffset < expected) break;
                if (peek.BaseOffset >= recoveryPoint)
                {
                    var batch = Window(position, peek.TotalSize);
                    uint stored = BinaryPrimitives.ReadUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..]);
                    if (RecordBatchHeader.ComputeCrc(batch) != stored) break;
                    stats.RecordRecoveryScan(peek.TotalSize);
                    if ((BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]) & ControlBit) != 0) RecoveredControlBatch = true;
                }
                Track(peek, position);
                expected = peek.LastOffset + 1;
                position += peek.TotalSize;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        bool cut = position < fileLength;
        if (cut) RandomAccess.SetLength(log, position);
        Index.TruncateFrom(expected);
        TimeIndex.TruncateFrom(expected);
        Volatile.Write(ref _size, position);
        Volatile.Write(ref _nextOffset, expected);
        _flushedSize = 0; // what was read back may only be in the page cache: the next checkpoint fsyncs it
        return cut;

        // Serves [pos, pos+length) from a sliding read-ahead window so small batches cost no syscall each.
        ReadOnlySpan<byte> Window(long pos, int length)
        {
            if (pos < bufferStart || pos + length > bufferStart + bufferLength)
            {
                if (length > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(length);
                }
                bufferStart = pos;
                bufferLength = RandomAccess.Read(log, buffer, pos);
            }
            return buffer.AsSpan((int)(pos - bufferStart), length);
        }
    }
}
