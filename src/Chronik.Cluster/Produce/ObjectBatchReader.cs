using Chronik.Cluster.Commit;
using Chronik.Protocol.Records;
using Chronik.Storage.Objects;

namespace Chronik.Cluster.Produce;

/// <summary>What a fetch of one partition read: its offsets (null for a partition the index does not know) and whole batches.</summary>
public sealed record FetchedBatches(PartitionOffsets? Offsets, ReadOnlyMemory<byte> Records);

/// <summary>
/// The fetch side over the object store: <see cref="BatchIndex.FetchAsync"/> names the batches from the one holding
/// the fetch offset on; adjacent batches of one object are read with one ranged read; each batch gets its base offset
/// written in on the way out (the CRC does not cover it). Every broker reads what any broker committed.
/// </summary>
public sealed class ObjectBatchReader(BatchIndex index, IObjectStore store)
{
    public async Task<FetchedBatches> ReadAsync(Guid topicId, int partition, long fetchOffset, int maxBytes, CancellationToken cancellationToken = default)
    {
        var lookup = await index.FetchAsync(topicId, partition, fetchOffset, maxBytes, cancellationToken).ConfigureAwait(false);
        var batches = lookup.Batches;
        if (batches.Count == 0) return new FetchedBatches(lookup.Offsets, ReadOnlyMemory<byte>.Empty);
        long total = 0;
        foreach (var b in batches) total += b.Size;
        var output = new byte[checked((int)total)];
        int at = 0;
        for (int i = 0; i < batches.Count;)
        {
            int j = i;
            long length = batches[i].Size;
            while (j + 1 < batches.Count && batches[j + 1].ObjectKey == batches[i].ObjectKey
                   && batches[j + 1].Position == batches[j].Position + batches[j].Size)
            {
                j++;
                length += batches[j].Size;
            }
            using (var range = await store.ReadRangeAsync(batches[i].ObjectKey, batches[i].Position, checked((int)length), cancellationToken).ConfigureAwait(false))
            {
                if (range.Memory.Length != length)
                    throw new ObjectStoreException($"object {batches[i].ObjectKey} is shorter than its index says ({range.Memory.Length} of {length} bytes at {batches[i].Position})");
                range.Memory.Span.CopyTo(output.AsSpan(at));
            }
            for (int k = i; k <= j; k++)
            {
                RecordBatchHeader.SetBaseOffset(output.AsSpan(at), batches[k].BaseOffset);
                at += batches[k].Size;
            }
            i = j + 1;
        }
        return new FetchedBatches(lookup.Offsets, output);
    }
}
