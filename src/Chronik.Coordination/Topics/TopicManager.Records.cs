using System.Text.Json;
using Chronik.Coordination.Metadata;
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
    /// Applies topic records (the ConfigRecords of other resource types are skipped, without the lock: another holder's
    /// thread appended them). Topic records are appended only by this class's writers, which hold the lock already.
    /// After the batch, every touched topic's partition logs exist with its effective config, and the logs of a topic
    /// removed (and not created again in the same batch, as a replay may hold) are deleted.
    /// </summary>
    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (!records.Any(r => r.Message is not ConfigRecord c || c.ResourceType == TopicResourceType)) return;
        lock (_lock)
        {
            _replayedAny = true;
            var touched = new HashSet<TopicInfo>();
            var removed = new List<TopicInfo>();
            foreach (var r in records)
            {
                switch (r.Message)
                {
                    case TopicRecord t:
                        var topic = new TopicInfo { Name = t.Name, Id = t.TopicId, PartitionCount = 0 };
                        _byName[topic.Name] = topic;
                        _byId[topic.Id] = topic;
                        _collisions[TopicNames.CollisionKey(topic.Name)] = topic.Name;
                        touched.Add(topic);
                        break;
                    case PartitionRecord p when _byId.TryGetValue(p.TopicId, out var owner) && p.PartitionId >= owner.PartitionCount:
                        _partitionCount += p.PartitionId + 1 - owner.PartitionCount;
                        owner.PartitionCount = p.PartitionId + 1;
                        touched.Add(owner);
                        break;
                    case ConfigRecord c when c.ResourceType == TopicResourceType && _byName.TryGetValue(c.ResourceName, out var configured):
                        if (c.Value is null) configured.Configs.Remove(c.Name);
                        else configured.Configs[c.Name] = c.Value;
                        touched.Add(configured);
                        break;
                    case RemoveTopicRecord d when _byId.Remove(d.TopicId, out var gone):
                        _byName.Remove(gone.Name);
                        _collisions.Remove(TopicNames.CollisionKey(gone.Name));
                        _partitionCount -= gone.PartitionCount;
                        touched.Remove(gone);
                        removed.Add(gone);
                        break;
                }
            }
            foreach (var topic in touched)
            {
                var logConfig = LogConfigFor(topic);
                for (int p = 0; p < topic.PartitionCount; p++) _store.GetOrCreate(topic.Name, p, logConfig).UpdateConfig(logConfig);
            }
            foreach (var gone in removed)
            {
                if (_byName.ContainsKey(gone.Name)) continue;
                for (int p = 0; p < gone.PartitionCount; p++) _store.DeletePartition(gone.Name, p);
            }
            Version++;
        }
    }

    /// <summary>Every topic as its records; lock-free (a snapshot is taken between batches, when no Apply runs).</summary>
    public IEnumerable<MetadataRecord> SnapshotRecords() =>
        _byName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).SelectMany(RecordsOf).ToList();

    /// <summary>The records that create <paramref name="topic"/>: its TopicRecord, a PartitionRecord per partition, a ConfigRecord per config.</summary>
    private List<MetadataRecord> RecordsOf(TopicInfo topic)
    {
        var records = new List<MetadataRecord>(1 + topic.PartitionCount + topic.Configs.Count)
        {
            MetadataRecord.Of(new TopicRecord { Name = topic.Name, TopicId = topic.Id }),
        };
        for (int p = 0; p < topic.PartitionCount; p++) records.Add(PartitionRecordOf(topic.Id, p));
        foreach (var (k, v) in topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal)) records.Add(ConfigRecordOf(topic.Name, k, v));
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
