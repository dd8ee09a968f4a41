namespace Chronik.Storage;

/// <summary>All partition logs of one node; the file and in-memory stores implement it.</summary>
public interface ILogStore : IAsyncDisposable
{
    /// <summary>Returns the partition's log, creating it with <paramref name="config"/> if it does not exist yet.</summary>
    IPartitionLog GetOrCreate(string topic, int partition, LogConfig config);

    IPartitionLog? Get(string topic, int partition);

    /// <summary>Closes the log and removes its data (the partition directory for the file store).</summary>
    void DeletePartition(string topic, int partition);

    /// <summary>Every partition this store holds, including those discovered when it was opened.</summary>
    IEnumerable<(string Topic, int Partition)> Partitions { get; }

    /// <summary>Fsyncs every partition and records its recovery point.</summary>
    ValueTask FlushAllAsync();

    StorageStats Stats { get; }
}
