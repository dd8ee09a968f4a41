using Chronik.Coordination.Producers;
using Chronik.Coordination.Topics;
using Chronik.Coordination.Transactions;
using Chronik.Storage;

namespace Chronik.Broker.Services;

/// <summary>
/// Writes a transaction's commit/abort control batch to each of its partitions through the partition's producer
/// state (which closes the transaction there and advances the last stable offset), completes its transactional
/// offsets, wakes long-polling fetches, and completes when every marker is durable.
/// </summary>
public sealed class TransactionMarkerWriter : ITransactionMarkerWriter
{
    private readonly TopicManager _topics;
    private readonly ProducerStateRegistry _producers;
    private readonly AppendSignal _signal;
    private readonly TimeProvider _time;

    public TransactionMarkerWriter(TopicManager topics, ProducerStateRegistry producers, AppendSignal signal, TimeProvider? time = null)
    {
        _topics = topics;
        _producers = producers;
        _signal = signal;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Set by the group coordinator integration: applies or drops a producer's pending transactional offsets.</summary>
    public Func<long, bool, IReadOnlyCollection<string>, Task>? CompleteOffsets { get; set; }

    public async Task WriteMarkersAsync(long producerId, short producerEpoch, bool commit, IReadOnlyCollection<TopicPartition> partitions, IReadOnlyCollection<string> groups)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var pending = new List<Task<AppendResult>>(partitions.Count);
        foreach (var p in partitions)
        {
            var log = _topics.GetLog(p.Topic, p.Partition);
            if (log is null) continue; // deleted since it was added: nothing to close
            pending.Add(_producers.For(log).AppendMarker(producerId, producerEpoch, commit, 0, now).AsTask());
        }
        if (pending.Count > 0) _signal.Pulse();
        foreach (var task in pending)
        {
            var r = await task.ConfigureAwait(false);
            if (r.Error != LogError.None) throw new IOException($"writing a transaction marker failed: {r.Error}");
        }
        if (groups.Count > 0 && CompleteOffsets is { } complete) await complete(producerId, commit, groups).ConfigureAwait(false);
    }
}
