using System.Collections.Concurrent;

namespace Chronik.Storage.Memory;

/// <summary>A log store that keeps every partition in memory; nothing survives disposal.</summary>
public sealed class MemoryLogStore : ILogStore
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), MemoryPartitionLog> _logs = new();
    private readonly TimeProvider _time;

    public MemoryLogStore(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Stats = new StorageStats(() => _logs.Values.Sum(l => l.SizeInBytes));
    }

    public StorageStats Stats { get; }

    public IEnumerable<(string Topic, int Partition)> Partitions => _logs.Keys;

    public IPartitionLog GetOrCreate(string topic, int partition, LogConfig config) =>
        _logs.GetOrAdd((topic, partition), key => new MemoryPartitionLog(key.Topic, key.Partition, config, _time, Stats));

    public IPartitionLog? Get(string topic, int partition) => _logs.TryGetValue((topic, partition), out var log) ? log : null;

    public void DeletePartition(string topic, int partition) => _logs.TryRemove((topic, partition), out _);

    public ValueTask FlushAllAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Stats.Dispose();
        return ValueTask.CompletedTask;
    }
}
