using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;
using Microsoft.Extensions.Logging;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.SchemaRegistry.Storage;

/// <summary>
/// The registry's only store: the compacted, single-partition <c>_schemas</c> topic, created through the broker's
/// <see cref="TopicManager"/> like any topic and read and appended through its <see cref="IPartitionLog"/>
/// (fsync per append), so it is replicated, backed up and compacted as the other topics are.
/// </summary>
public sealed class SchemasTopic(TopicManager topics, ILogger<SchemasTopic> logger)
{
    public const string Name = "_schemas";

    private IPartitionLog? _log;

    /// <summary>Creates the topic when missing and reads every record into <paramref name="apply"/>, in log order; returns the record count.</summary>
    public long Open(Action<RegistryRecord> apply)
    {
        if (topics.Get(Name) is null)
        {
            var configs = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [TopicConfigKeys.CleanupPolicy.Name] = "compact",
                [TopicConfigKeys.RetentionMs.Name] = "-1",
                [TopicConfigKeys.RetentionBytes.Name] = "-1",
                [TopicConfigKeys.FlushMessages.Name] = "1",
            };
            var created = topics.Create(Name, 1, 1, configs, validateOnly: false);
            if (created.Error != ErrorCode.None && topics.Get(Name) is null)
            {
                throw new InvalidOperationException($"cannot create {Name}: {created.Error} {created.Message}");
            }
        }
        _log = topics.GetLog(Name, 0) ?? throw new InvalidOperationException($"{Name}-0 has no log");
        return Replay(_log, apply);
    }

    /// <summary>Appends <paramref name="records"/> as one batch; true once they are durable.</summary>
    public async Task<bool> AppendAsync(IReadOnlyList<RegistryRecord> records)
    {
        IPartitionLog log = _log ?? throw new InvalidOperationException($"{Name} is not open");
        using var builder = new RecordBatchBuilder();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (RegistryRecord r in records)
        {
            // The explicit overload: a null byte[] would otherwise become an empty span, not a tombstone.
            builder.Append(now, r.Key, false, r.Value, r.Value is null, default);
        }
        try
        {
            var result = await log.AppendAsync(builder.ToArray(), AppendOptions.Default).ConfigureAwait(false);
            if (result.Error == LogError.None) return true;
            logger.LogError("Appending to {Topic} failed: {Error}", Name, result.Error);
            return false;
        }
        catch (IOException e)
        {
            logger.LogError(e, "Appending to {Topic} failed", Name);
            return false;
        }
    }

    // An empty value reads as a tombstone too (records written before tombstones were null ones).
    private static long Replay(IPartitionLog log, Action<RegistryRecord> apply) =>
        KeyedLogReplay.ReadAll(log, (key, value) => apply(new RegistryRecord(key, value is { Length: 0 } ? null : value))).Records;
}
