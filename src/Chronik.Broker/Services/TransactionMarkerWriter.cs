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
    private readonly GroupCoordinatorService _groups;
    private readonly TimeProvider _time;

    public TransactionMarkerWriter(TopicManager topics, ProducerStateRegistry producers, GroupCoordinatorService groups, TimeProvider? time = null)
    {
        _topics = topics;
        _producers = producers;
        _groups = groups;
        _time = time ?? TimeProvider.System;
    }

    public async Task WriteMarkersAsync(long producerId, short producerEpoch, bool commit, IReadOnlyCollection<TopicPartition> partitions, IReadOnlyCollection<PendingTxnOffset> offsets)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var pending = new List<Task<AppendResult>>(partitions.Count);
        foreach (var p in partitions)
        {
            var log = _topics.GetLog(p.Topic, p.Partition);
            if (log is null) continue; // deleted since it was added: nothing to close
            try
            {
                pending.Add(_producers.For(log).AppendMarker(producerId, producerEpoch, commit, 0, now).AsTask());
            }
            catch (ObjectDisposedException)
            {
                // Deleted between the lookup and the append: nothing to close either.
            }
        }
        foreach (var task in pending)
        {
            AppendResult r;
            try
            {
                r = await task.ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                continue;
            }
            if (r.Error != LogError.None) throw new IOException($"writing a transaction marker failed: {r.Error}");
        }
        // An abort drops the offsets with the transaction's state; a commit hands them to the group coordinator.
        if (!commit) return;
        foreach (var group in offsets.GroupBy(o => o.GroupId, StringComparer.Ordinal))
        {
            var list = group.Select(o => (o.Topic, o.Partition, o.Offset, o.LeaderEpoch, o.Metadata)).ToList();
            var (_, persisted) = await _groups.ExecuteAsync((c, now) => c.CommitTransactionalOffsets(group.Key, list, now)).ConfigureAwait(false);
            if (!persisted) throw new IOException($"writing the transactional offsets of group {group.Key} failed");
        }
    }
}
