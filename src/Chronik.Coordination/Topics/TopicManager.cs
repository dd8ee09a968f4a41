using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;
using Chronik.Storage;

namespace Chronik.Coordination.Topics;

/// <summary>
/// Topics of this one-node cluster: creation, deletion, partition growth and configs, on the metadata store as
/// Kafka's TopicRecord, PartitionRecord, ConfigRecord (resource type TOPIC; a null value removes the key) and
/// RemoveTopicRecord, one batch per change, and rebuilt by replay at start-up (a topics.json of the JSON era is
/// imported once). One lock guards the tables; writers hold it while they append, and the store applies the batch
/// (<see cref="Apply"/>, which changes the tables and the partition logs) on that thread before the append returns.
/// The cluster id stays in &lt;data-dir&gt;/meta.properties, as in Kafka.
/// </summary>
public sealed partial class TopicManager
{
    public const string LegacyFileName = "topics.json";

    private readonly object _lock = new();
    private readonly ILogStore _store;
    private readonly IMetadataStore _metadata;
    private readonly int _nodeId;
    private readonly Dictionary<string, TopicInfo> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, TopicInfo> _byId = [];
    private readonly Dictionary<string, string> _collisions = new(StringComparer.Ordinal);
    private long _partitionCount;

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
    public long Version { get; private set; }

    public IReadOnlyList<TopicInfo> Topics
    {
        get { lock (_lock) return _byName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList(); }
    }

    public TopicInfo? Get(string name) { lock (_lock) return _byName.GetValueOrDefault(name); }
    public TopicInfo? Get(Guid id) { lock (_lock) return _byId.GetValueOrDefault(id); }

    public IPartitionLog? GetLog(string topic, int partition) => _store.Get(topic, partition);

    /// <summary>Partitions of every topic, internal ones included (what max.broker.partitions bounds).</summary>
    public long PartitionCount { get { lock (_lock) return _partitionCount; } }

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
        lock (_lock)
        {
            if (_byName.ContainsKey(name)) return new(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
            if (_collisions.TryGetValue(TopicNames.CollisionKey(name), out var other))
            {
                return new(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic: {other}");
            }
            if (OverBrokerLimit(name, partitions) is { } limit) return limit;
            var topic = new TopicInfo { Name = name, Id = Guid.NewGuid(), PartitionCount = partitions, Configs = topicConfigs };
            if (validateOnly) return TopicResult.Ok(topic);
            // The logs exist before the records that name them; Apply adds the topic.
            var logConfig = LogConfigFor(topic);
            for (int p = 0; p < partitions; p++) _store.GetOrCreate(name, p, logConfig);
            _metadata.Append(RecordsOf(topic));
            return TopicResult.Ok(_byId[topic.Id]);
        }
    }

    public TopicResult Delete(string name)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out var topic)) return new(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic.");
            // Apply drops the topic, then its partition logs.
            _metadata.Append([MetadataRecord.Of(new RemoveTopicRecord { TopicId = topic.Id })]);
            return TopicResult.Ok(topic);
        }
    }

    public TopicResult CreatePartitions(string name, int newTotal, bool validateOnly)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out var topic)) return new(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic.");
            if (newTotal < topic.PartitionCount) return new(ErrorCode.InvalidPartitions, $"Topic currently has {topic.PartitionCount} partitions, which is higher than the requested {newTotal}.");
            if (newTotal == topic.PartitionCount) return new(ErrorCode.InvalidPartitions, $"Topic already has {topic.PartitionCount} partitions.");
            if (OverBrokerLimit(name, newTotal - topic.PartitionCount) is { } limit) return limit;
            if (validateOnly) return TopicResult.Ok(topic);
            var logConfig = LogConfigFor(topic);
            var records = new List<MetadataRecord>(newTotal - topic.PartitionCount);
            for (int p = topic.PartitionCount; p < newTotal; p++)
            {
                _store.GetOrCreate(name, p, logConfig);
                records.Add(PartitionRecordOf(topic.Id, p));
            }
            _metadata.Append(records);
            return TopicResult.Ok(topic);
        }
    }

    /// <summary>Replaces a topic's configs (validated by the caller) and applies them to its partition logs at once.</summary>
    public void SetConfigs(TopicInfo topic, Dictionary<string, string> configs)
    {
        lock (_lock)
        {
            // One ConfigRecord per key that changes (a null value removes it); Apply updates the topic and its logs.
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
    /// Changes a topic's configs under the lock: <paramref name="change"/> edits a copy of them and returns an error or
    /// success; on success (and unless <paramref name="validateOnly"/>) the copy replaces the configs, is persisted and
    /// applied to the partition logs at once. Reading and writing under one lock keeps concurrent incremental changes apart.
    /// </summary>
    public TopicResult AlterConfigs(string name, Func<Dictionary<string, string>, TopicResult> change, bool validateOnly)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out var topic)) return new(ErrorCode.UnknownTopicOrPartition, $"The topic '{name}' does not exist.");
            var copy = new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal);
            var result = change(copy);
            if (result.Error != ErrorCode.None || validateOnly) return result with { Topic = topic };
            SetConfigs(topic, copy);
            return TopicResult.Ok(topic);
        }
    }

    /// <summary>
    /// Replaces the broker defaults topics fall back to (a dynamic broker config changed) and re-applies the effective
    /// <see cref="LogConfig"/> to every partition at once.
    /// </summary>
    public void SetTopicConfigDefaults(Dictionary<string, string> defaults)
    {
        lock (_lock)
        {
            Defaults.TopicConfigDefaults = defaults;
            foreach (var topic in _byName.Values)
            {
                var logConfig = LogConfigFor(topic);
                for (int p = 0; p < topic.PartitionCount; p++) _store.Get(topic.Name, p)?.UpdateConfig(logConfig);
            }
            Version++;
        }
    }

    // Checked under the lock, so concurrent creations cannot pass the limit together. The broker's own offsets topic is
    // exempt: failing it would stop every group, not protect the broker (user topics named "__x" are not exempt).
    private TopicResult? OverBrokerLimit(string name, int adding)
    {
        int limit = Defaults.MaxBrokerPartitions;
        if (name == TopicNames.ConsumerOffsets || _partitionCount + adding <= limit) return null;
        return new(ErrorCode.PolicyViolation,
            $"Unable to create {adding} partition(s) for topic '{name}': the broker has {_partitionCount} partition(s) and " +
            $"{TopicDefaults.MaxBrokerPartitionsKey}={limit} allows {Math.Max(0, limit - _partitionCount)} more.");
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
