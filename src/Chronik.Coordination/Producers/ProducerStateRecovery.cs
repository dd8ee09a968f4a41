using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Coordination.Producers;

/// <summary>
/// Loads a partition's producer state: the newest intact snapshot at or below the log end (and at or below the point
/// from which the log's aborted-transaction index must be rebuilt), then the batches after it, header by header.
/// Producer id, epoch, sequences and offsets come from each v2 header; a control batch's single record key says
/// commit or abort. The aborted transactions met on the way complete the log's index.
/// </summary>
internal static class ProducerStateRecovery
{
    private const int ChunkBytes = 4 << 20;

    public static void Rebuild(IPartitionLog log, ProducerStateTable table)
    {
        long end = log.LogEndOffset;
        long offset = log.LogStartOffset;
        var snapshot = log.LoadProducerSnapshot(Math.Min(end, log.TxnIndexRebuildFrom));
        if (snapshot is not null)
        {
            table.Load(snapshot);
            offset = Math.Max(offset, snapshot.Offset);
        }
        var aborted = new List<AbortedTransaction>();
        while (offset < end)
        {
            using var read = log.Read(offset, ChunkBytes, end);
            if (read.Error != LogError.None || read.Length == 0) break;
            long before = offset;
            foreach (var entry in new RecordBatchEnumerator(read.Records.Span))
            {
                var h = entry.Header;
                offset = h.LastOffset + 1;
                if (h.ProducerId < 0) continue;
                if (!h.IsControl)
                {
                    table.OnAppended(h, h.BaseOffset);
                    continue;
                }
                if (MarkerType(entry.Bytes) is { } type
                    && table.OnMarker(h.ProducerId, h.ProducerEpoch, type == ControlRecordType.Commit, h.BaseOffset, -1, h.MaxTimestamp) is { } a)
                {
                    aborted.Add(a);
                }
            }
            if (offset == before) break;
        }
        log.CompleteTxnIndexRebuild(aborted);
    }

    private static ControlRecordType? MarkerType(ReadOnlySpan<byte> batch)
    {
        try
        {
            using var decoded = DecodedRecordBatch.Open(batch);
            foreach (var record in decoded)
            {
                if (ControlRecord.TryReadKey(record.Key, out _, out var type) && type is ControlRecordType.Commit or ControlRecordType.Abort) return type;
                return null;
            }
        }
        catch (CorruptRecordException)
        {
        }
        return null;
    }
}
