using Chronik.Coordination.ShareGroups;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Records;
using Chronik.Storage;
using Microsoft.Extensions.Logging;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Services;

/// <summary>
/// <c>__share_group_state</c>: one partition of ShareSnapshot/ShareUpdate records (Kafka's share-coordinator schemas,
/// <see cref="ShareStateRecordCodec"/>), flushed per append. At start-up every record is read back and combined per
/// share partition (<see cref="ShareStateCombiner"/>); appends are issued by the owner under its lock, so log order is
/// the order of the state changes. Like Kafka's, the topic is not compacted (an update's key repeats per change, and
/// compaction would keep only the newest); the owner rewrites snapshots and drops the older records instead.
/// </summary>
public sealed class ShareStateLog
{
    public const string Topic = "__share_group_state";
    private const int MaxBatchBytes = 512 * 1024;

    private readonly TopicManager _topics;
    private readonly ILogger _logger;
    private IPartitionLog? _log;

    public ShareStateLog(TopicManager topics, ILogger logger)
    {
        _topics = topics;
        _logger = logger;
    }

    /// <summary>Opens (creating if needed) the topic and combines what it holds; also returns how many records there were.</summary>
    public (Dictionary<SharePartitionKey, PersistedShareState> States, long Records, long End) Load()
    {
        if (_topics.Get(Topic) is null)
        {
            var configs = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [TopicConfigKeys.CleanupPolicy.Name] = "delete",
                [TopicConfigKeys.RetentionMs.Name] = "-1",
                [TopicConfigKeys.RetentionBytes.Name] = "-1",
                [TopicConfigKeys.SegmentBytes.Name] = "104857600",
                [TopicConfigKeys.FlushMessages.Name] = "1",
            };
            var created = _topics.Create(Topic, 1, 1, configs, validateOnly: false);
            if (created.Error != Protocol.Messages.ErrorCode.None && _topics.Get(Topic) is null)
            {
                throw new InvalidOperationException($"cannot create {Topic}: {created.Error} {created.Message}");
            }
        }
        _log = _topics.GetLog(Topic, 0) ?? throw new InvalidOperationException($"{Topic}-0 has no log");
        var byKey = new Dictionary<SharePartitionKey, List<ShareStateValue>>();
        var (records, end) = KeyedLogReplay.ReadAll(_log, (key, value) =>
        {
            if (value is null)
            {
                // A tombstone: the share partition's state was deleted (DeleteShareGroupOffsets, DeleteGroups).
                if (ShareStateRecordCodec.DecodeKey(key) is { } deleted) byKey.Remove(deleted);
                return;
            }
            if (ShareStateRecordCodec.Decode(key, value) is not { } r) return;
            if (!byKey.TryGetValue(r.Key, out var list)) byKey[r.Key] = list = [];
            if (r is ShareSnapshotRecord) list.Clear();
            list.Add(r);
        });
        var states = new Dictionary<SharePartitionKey, PersistedShareState>();
        foreach (var (key, list) in byKey)
        {
            if (ShareStateCombiner.Combine(list) is { } state) states[key] = state;
        }
        _logger.LogInformation("Loaded {Partitions} share partition state(s) from {Records} record(s) of {Topic}", states.Count, records, Topic);
        return (states, records, end);
    }

    /// <summary>Issues the append of <paramref name="records"/> (call under the owner's lock); the task says whether they became durable.</summary>
    public Task<bool> Append(IReadOnlyList<ShareStateValue> records, long nowMs)
    {
        if (records.Count == 0 || _log is null) return Task.FromResult(true);
        using var builder = new RecordBatchBuilder();
        var tasks = new List<Task<bool>>(1);
        int bytes = 0;
        foreach (var r in records)
        {
            var (key, value) = ShareStateRecordCodec.Encode(r);
            if (builder.Count > 0 && bytes + key.Length + value.Length > MaxBatchBytes)
            {
                tasks.Add(AppendBatch(builder.ToArray()));
                builder.Reset();
                bytes = 0;
            }
            builder.Append(nowMs, key, value);
            bytes += key.Length + value.Length + 32;
        }
        tasks.Add(AppendBatch(builder.ToArray()));
        return tasks.Count == 1 ? tasks[0] : AllAsync(tasks);

        static async Task<bool> AllAsync(List<Task<bool>> tasks)
        {
            bool ok = true;
            foreach (var t in tasks) ok &= await t.ConfigureAwait(false);
            return ok;
        }
    }

    /// <summary>Issues the tombstones that delete the state of <paramref name="keys"/> (call under the owner's lock).</summary>
    public Task<bool> AppendTombstones(IReadOnlyList<SharePartitionKey> keys, long nowMs)
    {
        if (keys.Count == 0 || _log is null) return Task.FromResult(true);
        using var builder = new RecordBatchBuilder();
        foreach (var k in keys)
        {
            foreach (var key in ShareStateRecordCodec.TombstoneKeys(k)) builder.Append(nowMs, key, (ReadOnlyMemory<byte>?)null);
        }
        return AppendBatch(builder.ToArray());
    }

    /// <summary>Drops every record below <paramref name="offset"/> (after the live state was rewritten above it).</summary>
    public void DeleteBefore(long offset) => _log?.DeleteRecordsBefore(offset);

    private async Task<bool> AppendBatch(byte[] batch)
    {
        try
        {
            var result = await _log!.AppendAsync(batch, AppendOptions.Default).ConfigureAwait(false);
            if (result.Error == LogError.None) return true;
            _logger.LogError("Appending to {Topic} failed: {Error}", Topic, result.Error);
            return false;
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Appending to {Topic} failed", Topic);
            return false;
        }
    }
}
