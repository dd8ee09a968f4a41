using Chronik.Cluster.Commit;

namespace Chronik.Cluster.Tests.Commit;

/// <summary>Builds commit windows for tests: unique object keys, batches laid out back to back as in the object.</summary>
internal static class TestWindows
{
    private static long _sequence;

    public static string NewKey(int node = 1) => $"test/{node:D10}/{Interlocked.Increment(ref _sequence):D20}.obj";

    /// <summary>A window over (topic, partition, batches); positions are assigned in order with <paramref name="batchSize"/> bytes each.</summary>
    public static CommitWindow Window(params (Guid Topic, int Partition, CommitBatch[] Batches)[] partitions) => Window(NewKey(), partitions);

    public static CommitWindow Window(string key, params (Guid Topic, int Partition, CommitBatch[] Batches)[] partitions)
    {
        long position = 0;
        var list = new List<PartitionBatches>();
        foreach (var (topic, partition, batches) in partitions)
        {
            var placed = new List<CommitBatch>();
            foreach (var b in batches)
            {
                placed.Add(b with { Position = position });
                position += b.Size;
            }
            list.Add(new PartitionBatches(topic, partition, placed));
        }
        return new CommitWindow(key, 1, position + 40, DateTimeOffset.UtcNow, list);
    }

    /// <summary>A plain batch of <paramref name="records"/> records (no producer id).</summary>
    public static CommitBatch Plain(int records, long timestamp = 1_000, int size = 100) =>
        new(0, size, records - 1, records, timestamp);

    /// <summary>An idempotent producer's batch of <paramref name="records"/> records from <paramref name="sequence"/>.</summary>
    public static CommitBatch Idempotent(long producerId, short epoch, int sequence, int records, bool transactional = false, long timestamp = 1_000) =>
        new(0, 100, records - 1, records, timestamp, producerId, epoch, sequence, transactional);
}
