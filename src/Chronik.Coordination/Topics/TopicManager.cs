using System.Collections.Concurrent;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;
using Chronik.Storage;

namespace Chronik.Coordination.Topics;

/// <summary>
/// Topics: creation, deletion, partition growth and configs, on the metadata store as Kafka's TopicRecord,
/// PartitionRecord, ConfigRecord (resource type TOPIC; a null value removes the key) and RemoveTopicRecord, one batch
/// per change, and rebuilt by replay at start-up (a topics.json of the JSON era is imported once). The tables are one
/// immutable <see cref="TopicTable"/> that <see cref="Apply"/> replaces whole (copy-on-write; a published
/// <see cref="TopicInfo"/> is never changed), so readers take no lock and Apply takes none a writer holds across
/// Append: on a shared store another broker's batch is applied on the listener thread while a writer here waits in
/// Append. A writer validates against the published table, appends, and then reads the outcome its batch had when it
/// was applied in log order: of two creations of one name (on this broker or two) the first in the log wins and the
/// other answers TOPIC_ALREADY_EXISTS. The cluster id stays in &lt;data-dir&gt;/meta.properties, as in Kafka.
/// Locks (none held across Append except <c>_configLock</c>, which Apply never takes): <c>_limitLock</c> (partition
/// reservations of writers in flight), <c>_logLock</c> (the partition logs' configs, taken alone).
/// </summary>
public sealed partial class TopicManager
{
    public const string LegacyFileName = "topics.json";

    private readonly ILogStore _store;
    private readonly IMetadataStore _metadata;
    private readonly int _nodeId;
    private readonly Lock _configLock = new();
    private readonly Lock _limitLock = new();
    private readonly Lock _logLock = new();
    private volatile TopicTable _table = TopicTable.Empty;
    private readonly ConcurrentDictionary<Guid, Creation> _creations = new();
    private long _reservedPartitions;
    private long _version;

    /// <param name="store">The partition logs.</param>
    /// <param name="defaults">The broker settings topics fall back to.</param>
    /// <param name="metadata">The metadata store this holder replays from and appends to.</param>
    /// <param name="dataDir">The data directory of meta.properties (the cluster id) and of a topics.json to import once; null keeps the cluster id in memory.</param>
    /// <param name="nodeId">The node named as replica and leader in the partition records.</param>
    public TopicManager(ILogStore store, TopicDefaults defaults, IMetadataStore metadata, string? dataDir, int nodeId = 1)
    {
        _store = store;
        _metadata = metadata;
        _nodeId = nodeId;
        Defaults = defaults;
        ClusterId = dataDir is not null ? LoadOrCreateClusterId(Path.Combine(dataDir, "meta.properties")) : NewClusterId();
        metadata.Register(this);
        LegacyMetadataFile.Migrate(metadata, dataDir, LegacyFileName, _replayedAny, ReadLegacy);
    }

    public TopicDefaults Defaults { get; }
    public string ClusterId { get; }

    /// <summary>Bumped on every topic change, so caches (fetch sessions, metadata) can notice.</summary>
    public long Version => Volatile.Read(ref _version);

    public IReadOnlyList<TopicInfo> Topics => _table.ByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

    public TopicInfo? Get(string name) => _table.ByName.GetValueOrDefault(name);
    public TopicInfo? Get(Guid id) => _table.ById.GetValueOrDefault(id);

    public IPartitionLog? GetLog(string topic, int partition) => _store.Get(topic, partition);

    /// <summary>Partitions of every topic, internal ones included (what max.broker.partitions bounds).</summary>
    public long PartitionCount => _table.PartitionCount;

    /// <summary>The value in effect for a topic config: the topic's own, else the broker default, else null (Kafka's default).</summary>
    public string? EffectiveConfig(TopicInfo topic, string key) =>
        topic.Configs.TryGetValue(key, out var v) ? v : Defaults.TopicConfigDefaults.GetValueOrDefault(key);

    public LogConfig LogConfigFor(TopicInfo topic) => TopicConfigCatalog.ToLogConfig(k => EffectiveConfig(topic, k));

    public TopicResult Create(string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string?>? configs, bool validateOnly)
    {
        if (TopicNames.Validate(name) is { } bad) return new(ErrorCode.InvalidTopicException, bad);
        if (partitions == -1) partitions = Defaults.NumPartitions;
        if (replicationFactor == -1) replicationFactor = Defaults.ReplicationFactor;
        if (partitions <= 0) return new(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        if (replicationFactor <= 0) return new(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        if (replicationFactor > 1) return new(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {replicationFactor} time(s): The target replication factor of {replicationFactor} cannot be reached because only 1 broker(s) are registered.");
        var topicConfigs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (configs is not null)
        {
            foreach (var (k, v) in configs)
            {
                if (TopicConfigCatalog.Validate(k, v) is { } why) return new(ErrorCode.InvalidConfig, why);
                topicConfigs[k] = v!.Trim();
            }
        }
        if (Conflict(_table, name) is { } exists) return exists;
        var topic = new TopicInfo { Name = name, Id = Guid.NewGuid(), PartitionCount = partitions, Configs = topicConfigs };
        if (validateOnly) return OverBrokerLimit(name, partitions, reserve: false) ?? TopicResult.Ok(topic);
        if (OverBrokerLimit(name, partitions, reserve: true) is { } limit) return limit;
        // Apply creates the partition logs, releases the reservation as it publishes the topic, and tells this creator
        // whether its TopicRecord was the first of that name in the log.
        var creation = new Creation(name == TopicNames.ConsumerOffsets ? 0 : partitions);
        _creations[topic.Id] = creation;
        try
        {
            _metadata.Append(RecordsOf(topic));
        }
        finally
        {
            _creations.TryRemove(topic.Id, out _);
            lock (_limitLock)
            {
                if (!creation.Released) _reservedPartitions -= creation.Partitions;
                creation.Released = true;
            }
        }
        if (creation.Lost is { } lost) return lost;
        return TopicResult.Ok(Get(topic.Id) ?? topic);
    }

    /// <summary>A creation of this broker in flight: the partitions it reserved, and what Apply decided for its TopicRecord.</summary>
    private sealed class Creation(int partitions)
    {
        public int Partitions { get; } = partitions;
        // Changed under _limitLock.
        public bool Released { get; set; }
        public TopicResult? Lost { get; set; }
    }

    /// <summary>Why <paramref name="name"/> cannot be created in <paramref name="table"/> (it exists, or collides), or null.</summary>
    private static TopicResult? Conflict(TopicTable table, string name)
    {
        if (table.ByName.ContainsKey(name)) return new(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
        if (table.Collisions.TryGetValue(TopicNames.CollisionKey(name), out var other))
        {
            return new(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic: {other}");
        }
        return null;
    }

    public TopicResult Delete(string name)
    {
        if (!_table.ByName.TryGetValue(name, out var topic)) return new(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic.");
        // Apply drops the topic, then its partition logs (a second removal of the same id, from another broker, is a no-op).
        _metadata.Append([MetadataRecord.Of(new RemoveTopicRecord { TopicId = topic.Id })]);
        return TopicResult.Ok(topic);
    }

    public TopicResult CreatePartitions(string name, int newTotal, bool validateOnly)
    {
        if (!_table.ByName.TryGetValue(name, out var topic)) return new(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic.");
        if (newTotal < topic.PartitionCount) return new(ErrorCode.InvalidPartitions, $"Topic currently has {topic.PartitionCount} partitions, which is higher than the requested {newTotal}.");
        if (newTotal == topic.PartitionCount) return new(ErrorCode.InvalidPartitions, $"Topic already has {topic.PartitionCount} partitions.");
        int adding = newTotal - topic.PartitionCount;
        if (validateOnly) return OverBrokerLimit(name, adding, reserve: false) ?? TopicResult.Ok(topic);
        if (OverBrokerLimit(name, adding, reserve: true) is { } limit) return limit;
        var records = new List<MetadataRecord>(adding);
        for (int p = topic.PartitionCount; p < newTotal; p++) records.Add(PartitionRecordOf(topic.Id, p));
        try
        {
            // Apply adds a partition only as the next one, so a concurrent growth of the same topic ends at the larger total.
            _metadata.Append(records);
        }
        finally
        {
            Unreserve(name, adding);
        }
        return TopicResult.Ok(Get(topic.Id) ?? topic);
    }

    /// <summary>
    /// Replaces a topic's configs (validated by the caller) and applies them to its partition logs at once: one
    /// ConfigRecord per key that differs from <paramref name="topic"/>'s (the version the caller's change started from,
    /// so a key another broker changed meanwhile is left as that broker set it unless this change touches it).
    /// </summary>
    public void SetConfigs(TopicInfo topic, Dictionary<string, string> configs)
    {
        lock (_configLock)
        {
            var records = new List<MetadataRecord>();
            foreach (var (k, v) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!topic.Configs.TryGetValue(k, out var old) || old != v) records.Add(ConfigRecordOf(topic.Name, k, v));
            }
            foreach (var k in topic.Configs.Keys.Where(k => !configs.ContainsKey(k)).Order(StringComparer.Ordinal).ToList()) records.Add(ConfigRecordOf(topic.Name, k, null));
            if (records.Count > 0) _metadata.Append(records);
        }
    }

    /// <summary>
    /// Changes a topic's configs: <paramref name="change"/> edits a copy of them and returns an error or success; on
    /// success (and unless <paramref name="validateOnly"/>) the changed keys are persisted and applied to the partition
    /// logs at once. This broker's changes are serialized by a lock Apply never takes; changes from two brokers at once
    /// apply key by key in log order.
    /// </summary>
    public TopicResult AlterConfigs(string name, Func<Dictionary<string, string>, TopicResult> change, bool validateOnly)
    {
        lock (_configLock)
        {
            if (!_table.ByName.TryGetValue(name, out var topic)) return new(ErrorCode.UnknownTopicOrPartition, $"The topic '{name}' does not exist.");
            var copy = new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal);
            var result = change(copy);
            if (result.Error != ErrorCode.None || validateOnly) return result with { Topic = topic };
            SetConfigs(topic, copy);
            return TopicResult.Ok(Get(topic.Id) ?? topic);
        }
    }

    /// <summary>
    /// Replaces the broker defaults topics fall back to (a dynamic broker config changed) and re-applies the effective
    /// <see cref="LogConfig"/> to every partition at once.
    /// </summary>
    public void SetTopicConfigDefaults(Dictionary<string, string> defaults)
    {
        lock (_logLock)
        {
            Defaults.TopicConfigDefaults = defaults;
            foreach (var topic in _table.ByName.Values)
            {
                var logConfig = LogConfigFor(topic);
                for (int p = 0; p < topic.PartitionCount; p++) _store.Get(topic.Name, p)?.UpdateConfig(logConfig);
            }
        }
        Interlocked.Increment(ref _version);
    }

    // The published count plus what this broker's writers in flight reserved, so concurrent creations here cannot pass
    // the limit together (two brokers each check their own view). The broker's own offsets topic is exempt: failing it
    // would stop every group, not protect the broker (user topics named "__x" are not exempt).
    private TopicResult? OverBrokerLimit(string name, int adding, bool reserve)
    {
        if (name == TopicNames.ConsumerOffsets) return null;
        int limit = Defaults.MaxBrokerPartitions;
        lock (_limitLock)
        {
            long have = _table.PartitionCount + _reservedPartitions;
            if (have + adding <= limit)
            {
                if (reserve) _reservedPartitions += adding;
                return null;
            }
            return new(ErrorCode.PolicyViolation,
                $"Unable to create {adding} partition(s) for topic '{name}': the broker has {have} partition(s) and " +
                $"{TopicDefaults.MaxBrokerPartitionsKey}={limit} allows {Math.Max(0, limit - have)} more.");
        }
    }

    private void Unreserve(string name, int adding)
    {
        if (name == TopicNames.ConsumerOffsets) return;
        lock (_limitLock) _reservedPartitions -= adding;
    }

    private static string LoadOrCreateClusterId(string path)
    {
        if (File.Exists(path))
        {
            foreach (var line in File.ReadAllLines(path))
            {
                if (line.StartsWith("cluster.id=", StringComparison.Ordinal)) return line["cluster.id=".Length..].Trim();
            }
        }
        string id = NewClusterId();
        AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes($"version=1\ncluster.id={id}\n"));
        return id;
    }

    // Kafka cluster ids are 22-character URL-safe base64 UUIDs.
    private static string NewClusterId() => Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Writes a small file crash-safely: temp file, fsync, rename over the old one, directory fsync (meta.properties, the transaction log's compaction).</summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        // The rename is durable only once the directory is.
        Chronik.Storage.Disk.FileSync.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
