using System.Collections.Immutable;
using System.Text.Json;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Topics;

/// <summary>The topic tables as metadata records: replay, the records of a change, the snapshot and the JSON-era import.</summary>
public sealed partial class TopicManager : IMetadataParticipant
{
    /// <summary>Kafka's ConfigResource.Type.TOPIC, the resource type of topic ConfigRecords.</summary>
    public const sbyte TopicResourceType = 2;

    private bool _replayedAny;

    public bool Owns(short recordType) => recordType is MetadataRecordTypes.TopicRecord or MetadataRecordTypes.PartitionRecord
        or MetadataRecordTypes.ConfigRecord or MetadataRecordTypes.RemoveTopicRecord;

    /// <summary>Of the ConfigRecords only the TOPIC ones are this holder's (broker and group ones are kept for their holders).</summary>
    public bool OwnsRecord(MetadataRecord record) => Owns(record.Type) && (record.Message is not ConfigRecord c || c.ResourceType == TopicResourceType);

    /// <summary>
    /// Applies topic records in log order (the ConfigRecords of other resource types are skipped) and publishes a new
    /// table; takes no lock a writer holds across Append. Conflicts between writers (two brokers, or two threads here)
    /// are decided here, the same way on every broker: a TopicRecord whose name (or collision key) is taken is refused,
    /// and so are the ConfigRecords and PartitionRecords of its batch (a creation batch is the TopicRecord, its
    /// ConfigRecords, then its PartitionRecords, so its own ConfigRecords are those before the first PartitionRecord of
    /// its fresh id); a PartitionRecord is taken only as the topic's next partition, so two growths of one topic end at
    /// the larger total; a second RemoveTopicRecord of an id is a no-op. The partition logs of every touched topic
    /// exist with its effective config before the table is published; the logs of a topic removed (and not created
    /// again in the same batch, as a replay may hold) are deleted after.
    /// </summary>
    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (!records.Any(r => r.Message is not ConfigRecord c || c.ResourceType == TopicResourceType)) return;
        _replayedAny = true;
        var table = _table;
        var byName = table.ByName.ToBuilder();
        var byId = table.ById.ToBuilder();
        var collisions = table.Collisions.ToBuilder();
        long partitionCount = table.PartitionCount;
        // Topics created or copied in this call: not yet published, so changed in place.
        var fresh = new HashSet<TopicInfo>(ReferenceEqualityComparer.Instance);
        var touched = new Dictionary<Guid, TopicInfo>();
        var removed = new List<TopicInfo>();
        var decided = new List<Creation>();
        (Guid Id, string Name, bool PartitionsSeen)? refused = null;
        foreach (var r in records)
        {
            if (refused is { } x && !(r.Message is PartitionRecord rp && rp.TopicId == x.Id)
                && !(!x.PartitionsSeen && r.Message is ConfigRecord rc && rc.ResourceType == TopicResourceType && rc.ResourceName == x.Name))
            {
                refused = null;
            }
            switch (r.Message)
            {
                case TopicRecord t:
                    string key = TopicNames.CollisionKey(t.Name);
                    TopicResult? lost = byName.ContainsKey(t.Name) ? new(ErrorCode.TopicAlreadyExists, $"Topic '{t.Name}' already exists.")
                        : collisions.TryGetValue(key, out var other) ? new(ErrorCode.InvalidTopicException, $"Topic '{t.Name}' collides with existing topic: {other}")
                        : null;
                    if (_creations.TryGetValue(t.TopicId, out var mine))
                    {
                        mine.Lost = lost;
                        decided.Add(mine);
                    }
                    if (lost is not null)
                    {
                        refused = (t.TopicId, t.Name, false);
                        break;
                    }
                    var topic = new TopicInfo { Name = t.Name, Id = t.TopicId, PartitionCount = 0 };
                    fresh.Add(topic);
                    byName[topic.Name] = topic;
                    byId[topic.Id] = topic;
                    collisions[key] = topic.Name;
                    touched[topic.Id] = topic;
                    break;
                case PartitionRecord p when refused is { } y && p.TopicId == y.Id:
                    refused = y with { PartitionsSeen = true };
                    break;
                case PartitionRecord p when byId.TryGetValue(p.TopicId, out var owner) && p.PartitionId == owner.PartitionCount:
                    owner = Writable(owner);
                    owner.PartitionCount++;
                    partitionCount++;
                    touched[owner.Id] = owner;
                    break;
                case ConfigRecord c when c.ResourceType == TopicResourceType && refused is { PartitionsSeen: false } z && c.ResourceName == z.Name:
                    break;
                case ConfigRecord c when c.ResourceType == TopicResourceType && byName.TryGetValue(c.ResourceName, out var configured):
                    configured = Writable(configured);
                    if (c.Value is null) configured.Configs.Remove(c.Name);
                    else configured.Configs[c.Name] = c.Value;
                    touched[configured.Id] = configured;
                    break;
                case RemoveTopicRecord d when byId.TryGetValue(d.TopicId, out var gone):
                    byId.Remove(gone.Id);
                    byName.Remove(gone.Name);
                    collisions.Remove(TopicNames.CollisionKey(gone.Name));
                    partitionCount -= gone.PartitionCount;
                    touched.Remove(gone.Id);
                    removed.Add(gone);
                    break;
            }
        }
        var next = new TopicTable(byName.ToImmutable(), byId.ToImmutable(), collisions.ToImmutable(), partitionCount);
        lock (_logLock)
        {
            foreach (var topic in touched.Values)
            {
                var logConfig = LogConfigFor(topic);
                for (int p = 0; p < topic.PartitionCount; p++) _store.GetOrCreate(topic.Name, p, logConfig).UpdateConfig(logConfig);
            }
            lock (_limitLock)
            {
                // Publishing and releasing the creators' reservations together keeps the limit's count exact.
                foreach (var c in decided)
                {
                    if (!c.Released) _reservedPartitions -= c.Partitions;
                    c.Released = true;
                }
                _table = next;
            }
        }
        foreach (var gone in removed)
        {
            if (next.ByName.ContainsKey(gone.Name)) continue;
            for (int p = 0; p < gone.PartitionCount; p++) _store.DeletePartition(gone.Name, p);
        }
        Interlocked.Increment(ref _version);

        // A published topic is copied before it changes; one created or copied in this call already is the copy.
        TopicInfo Writable(TopicInfo topic)
        {
            if (fresh.Contains(topic)) return topic;
            var copy = new TopicInfo
            {
                Name = topic.Name, Id = topic.Id, PartitionCount = topic.PartitionCount,
                Configs = new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal),
            };
            fresh.Add(copy);
            byName[copy.Name] = copy;
            byId[copy.Id] = copy;
            return copy;
        }
    }

    /// <summary>Every topic as its records; lock-free (a snapshot is taken between batches, when no Apply runs).</summary>
    public IEnumerable<MetadataRecord> SnapshotRecords() =>
        _table.ByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).SelectMany(RecordsOf).ToList();

    /// <summary>
    /// The records that create <paramref name="topic"/>: its TopicRecord, a ConfigRecord per config, then a
    /// PartitionRecord per partition (the last records of the batch carry its fresh id, see <see cref="Apply"/>).
    /// </summary>
    private List<MetadataRecord> RecordsOf(TopicInfo topic)
    {
        var records = new List<MetadataRecord>(1 + topic.PartitionCount + topic.Configs.Count)
        {
            MetadataRecord.Of(new TopicRecord { Name = topic.Name, TopicId = topic.Id }),
        };
        foreach (var (k, v) in topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal)) records.Add(ConfigRecordOf(topic.Name, k, v));
        for (int p = 0; p < topic.PartitionCount; p++) records.Add(PartitionRecordOf(topic.Id, p));
        return records;
    }

    private MetadataRecord PartitionRecordOf(Guid topicId, int partition) => MetadataRecord.Of(new PartitionRecord
    {
        PartitionId = partition,
        TopicId = topicId,
        Replicas = [_nodeId],
        Isr = [_nodeId],
        Leader = _nodeId,
        LeaderEpoch = 0,
        PartitionEpoch = 0,
    });

    private static MetadataRecord ConfigRecordOf(string topic, string key, string? value) =>
        MetadataRecord.Of(new ConfigRecord { ResourceType = TopicResourceType, ResourceName = topic, Name = key, Value = value });

    /// <summary>A topic as topics.json held it (the format before the metadata store; read at migration only).</summary>
    private sealed record PersistedTopic(string Name, Guid Id, int Partitions, Dictionary<string, string> Configs);

    private IReadOnlyList<MetadataRecord> ReadLegacy(string file)
    {
        var topics = JsonSerializer.Deserialize<List<PersistedTopic>>(File.ReadAllText(file)) ?? [];
        return topics.SelectMany(t => RecordsOf(new TopicInfo
        {
            Name = t.Name, Id = t.Id, PartitionCount = t.Partitions, Configs = new(t.Configs ?? [], StringComparer.Ordinal),
        })).ToList();
    }
}

/// <summary>The published topic tables, never changed once published (Apply builds the next one).</summary>
internal sealed record TopicTable(
    ImmutableDictionary<string, TopicInfo> ByName,
    ImmutableDictionary<Guid, TopicInfo> ById,
    ImmutableDictionary<string, string> Collisions,
    long PartitionCount)
{
    public static readonly TopicTable Empty = new(
        ImmutableDictionary.Create<string, TopicInfo>(StringComparer.Ordinal),
        ImmutableDictionary<Guid, TopicInfo>.Empty,
        ImmutableDictionary.Create<string, string>(StringComparer.Ordinal),
        0);
}
