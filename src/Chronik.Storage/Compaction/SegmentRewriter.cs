using System.Buffers;
using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Compaction;

/// <summary>
/// Decides record by record what survives a clean and writes the survivors, batch by batch, into a cleaned
/// segment. A batch that loses nothing is copied byte for byte; one that loses some records is re-encoded with
/// the same codec, base offset, lastOffsetDelta, offset deltas, timestamps, producer id/epoch, base sequence
/// and transactional flag; one that loses all is dropped, except a producer's last batch, which stays as an
/// empty batch (Kafka does the same so the producer's sequence state survives a restart).
/// </summary>
internal sealed class SegmentRewriter(ICompactableLog log, KeyOffsetMap map, TransactionScan txns, long deleteHorizonMs)
{
    private const int FlushBytes = 1 << 20;

    // Producers whose current transaction has kept at least one batch (so its marker must stay).
    private readonly HashSet<long> _txnKeptData = [];

    public long RecordsRemoved { get; private set; }

    /// <summary>Adds every keyed record of the non-aborted data batches of a dirty segment to the map.</summary>
    public static void AddToMap(SegmentReader reader, KeyOffsetMap map, TransactionScan txns)
    {
        using var scanner = new BatchScanner(reader);
        while (scanner.Next(out var bytes))
        {
            var h = RecordBatchHeader.Read(bytes);
            if (h.IsControl || (h.IsTransactional && txns.IsAborted(h.ProducerId, h.BaseOffset))) continue;
            using var batch = DecodedRecordBatch.Open(bytes);
            foreach (var record in batch)
            {
                if (!record.KeyIsNull) map.Put(record.Key, h.BaseOffset + record.OffsetDelta);
            }
        }
    }

    /// <summary>Rewrites segments [from, to) into one cleaned segment with the first one's base offset; null when one vanished.</summary>
    public CleanedGroup? Rewrite(IReadOnlyList<CleanerSegment> segments, int from, int to)
    {
        long lastModified = 0;
        var bases = new List<long>(to - from);
        for (int i = from; i < to; i++)
        {
            lastModified = Math.Max(lastModified, segments[i].LastModifiedMs);
            bases.Add(segments[i].BaseOffset);
        }
        var cleaned = log.CreateCleanedSegment(segments[from].BaseOffset, lastModified);
        try
        {
            var output = new ArrayBufferWriter<byte>(FlushBytes + 64 * 1024);
            foreach (long b in bases)
            {
                using var reader = log.OpenSegment(b);
                if (reader is null)
                {
                    cleaned.Dispose();
                    return null;
                }
                cleaned.AddAbortedTransactions(reader.AbortedTransactions());
                using var scanner = new BatchScanner(reader);
                while (scanner.Next(out var batch))
                {
                    Filter(batch, output);
                    if (output.WrittenCount >= FlushBytes)
                    {
                        cleaned.Append(output.WrittenSpan);
                        output.ResetWrittenCount();
                    }
                }
            }
            if (output.WrittenCount > 0) cleaned.Append(output.WrittenSpan);
            cleaned.Complete();
            return new CleanedGroup(bases, cleaned);
        }
        catch
        {
            cleaned.Dispose();
            throw;
        }
    }

    private void Filter(ReadOnlySpan<byte> bytes, ArrayBufferWriter<byte> output)
    {
        var h = RecordBatchHeader.Read(bytes);
        if (h.IsControl)
        {
            if (KeepControl(bytes, h)) output.Write(bytes);
            else RecordsRemoved += h.RecordCount;
            return;
        }

        bool aborted = h.IsTransactional && txns.IsAborted(h.ProducerId, h.BaseOffset);
        int kept = 0;
        using (var batch = DecodedRecordBatch.Open(bytes))
        {
            foreach (var record in batch)
            {
                if (Keep(record, h, aborted)) kept++;
            }
            if (kept == h.RecordCount)
            {
                output.Write(bytes);
            }
            else if (kept > 0)
            {
                using var builder = new RecordBatchBuilder(h.Compression)
                {
                    TimestampType = h.TimestampType,
                    BaseOffset = h.BaseOffset,
                    PartitionLeaderEpoch = h.PartitionLeaderEpoch,
                    ProducerId = h.ProducerId,
                    ProducerEpoch = h.ProducerEpoch,
                    BaseSequence = h.BaseSequence,
                    IsTransactional = h.IsTransactional,
                    LastOffsetDelta = h.LastOffsetDelta,
                };
                foreach (var record in batch)
                {
                    if (!Keep(record, h, aborted)) continue;
                    builder.AppendWithOffsetDelta(record.Timestamp(h), record.OffsetDelta, record.Key, record.KeyIsNull,
                        record.Value, record.ValueIsNull, record.HeaderCount, record.RawHeaders);
                }
                builder.WriteTo(output);
            }
            else if (txns.IsLastBatchOfProducer(h))
            {
                WriteEmptyBatch(bytes, output);
            }
        }
        RecordsRemoved += h.RecordCount - kept;
        bool batchStays = kept > 0 || txns.IsLastBatchOfProducer(h);
        if (h.IsTransactional && batchStays) _txnKeptData.Add(h.ProducerId);
    }

    private bool Keep(in Record record, in RecordBatchHeader h, bool aborted)
    {
        if (aborted) return false;
        if (record.KeyIsNull) return true; // cannot be deduplicated; Kafka refuses them at produce time
        long latest = map.Get(record.Key);
        if (latest >= 0 && h.BaseOffset + record.OffsetDelta < latest) return false;
        // A tombstone is the latest for its key here; it goes once delete.retention.ms has passed.
        return !record.ValueIsNull || h.MaxTimestamp >= deleteHorizonMs;
    }

    /// <summary>
    /// A transaction marker goes once no batch of its transaction is left before it and it is older than
    /// delete.retention.ms (consumers that read the aborted records have had time to see it). Other control
    /// batches are kept.
    /// </summary>
    private bool KeepControl(ReadOnlySpan<byte> bytes, in RecordBatchHeader h)
    {
        if (!h.IsTransactional || h.ProducerId < 0 || TransactionScan.MarkerType(bytes) is null) return true;
        bool hadData = _txnKeptData.Remove(h.ProducerId);
        return hadData || h.MaxTimestamp >= deleteHorizonMs;
    }

    /// <summary>The batch header alone with recordCount 0 and no compression, offsets, sequence and producer kept (Kafka's writeEmptyHeader).</summary>
    private static void WriteEmptyBatch(ReadOnlySpan<byte> original, ArrayBufferWriter<byte> output)
    {
        var b = output.GetSpan(RecordBatchHeader.Size)[..RecordBatchHeader.Size];
        original[..RecordBatchHeader.Size].CopyTo(b);
        BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.BatchLengthOffset..], RecordBatchHeader.Size - RecordBatchHeader.LogOverhead);
        short attributes = (short)(BinaryPrimitives.ReadInt16BigEndian(b[RecordBatchHeader.AttributesOffset..]) & ~0x07);
        BinaryPrimitives.WriteInt16BigEndian(b[RecordBatchHeader.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.RecordCountOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(b[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(b));
        output.Advance(RecordBatchHeader.Size);
    }
}
