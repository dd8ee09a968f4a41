using Chronik.Protocol.Records;

namespace Chronik.Storage;

/// <summary>
/// Reads a keyed internal log (<c>__consumer_offsets</c>, <c>_schemas</c>) from its start to its high watermark and
/// hands every keyed data record to a callback in offset order: control batches, keyless records and records below
/// a moved log start are skipped.
/// </summary>
public static class KeyedLogReplay
{
    private const int ReadBytes = 1 << 20;

    /// <summary>Calls <paramref name="apply"/> with each record's key and value (null for a tombstone); returns the record count and the offset after the last batch read.</summary>
    public static (long Records, long End) ReadAll(IPartitionLog log, Action<byte[], byte[]?> apply)
    {
        long offset = log.LogStartOffset;
        long end = log.HighWatermark;
        long count = 0;
        while (offset < end)
        {
            using var read = log.Read(offset, ReadBytes, end);
            if (read.Error == LogError.OffsetOutOfRange && read.LogStartOffset > offset)
            {
                offset = read.LogStartOffset;
                continue;
            }
            if (read.Error != LogError.None || read.Length == 0) break;
            long before = offset;
            foreach (var entry in new RecordBatchEnumerator(read.Records.Span))
            {
                var header = entry.Header;
                if (!header.IsControl)
                {
                    using var batch = DecodedRecordBatch.Open(entry.Bytes);
                    foreach (var record in batch)
                    {
                        if (record.Offset(header) < offset || record.KeyIsNull) continue;
                        apply(record.Key.ToArray(), record.ValueIsNull ? null : record.Value.ToArray());
                        count++;
                    }
                }
                offset = Math.Max(offset, header.LastOffset + 1);
            }
            if (offset == before) break;
        }
        return (count, offset);
    }
}
